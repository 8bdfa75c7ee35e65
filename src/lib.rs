//! Pedigree: versions ML models the way git versions code.
//!
//! The engine is transport-free: the CLI (`cli`), and later the HTTP server and the desktop
//! shell, are adapters over [`api`], which holds one function per user operation.
//!
//! Rooms: [`catalog`] (SQLite, the only SQL), [`cas`] (content-addressed blobs), [`sniff`]
//! (format sniffers), [`registry`] (models, versions, semver policy, registration),
//! [`lineage`] (petgraph views of catalog edges), [`audit`] (hash-chained event log).

pub mod api;
pub mod audit;
pub mod cas;
pub mod catalog;
pub mod cli;
pub mod demo;
pub mod governance;
pub mod hash;
pub mod ids;
pub mod index;
pub mod lineage;
pub mod progress;
pub mod registry;
pub mod report;
pub mod server;
pub mod sniff;
pub mod workspace;
