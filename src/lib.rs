//! Pedigree: versions ML models the way git versions code.
//!
//! The engine is transport-free. Three adapters sit on [`api`], which holds one function per
//! user operation and the operation table: the CLI ([`cli`]), the HTTP server ([`server`]) and
//! the desktop shell (the `pedigree-desktop` crate); the last two share [`api::host`].
//!
//! Rooms, each owning one concern: [`catalog`] (SQLite: schema, migrations, every SQL
//! statement), [`cas`] (content-addressed blobs), [`sniff`] (format sniffers, nothing executed),
//! [`registry`] (registration in named steps, the semver policy), [`lineage`] (petgraph views of
//! catalog edges), [`audit`] (hash-chained log, Merkle checkpoints), [`index`] (artifact stores,
//! watch, staging), [`governance`] (the rules of approvals, deployments, evaluations, erasure),
//! [`report`] (audit report bundles and their verifier), [`demo`] (the demo's files and plan),
//! [`identity`] (each person's signing key), [`remote`] and [`sync`] (team registries),
//! [`runs`] (captured training runs and their reproduction).
//! Engine rooms never import `api`, `cli` or `server`.

pub mod api;
pub mod audit;
pub mod cas;
pub mod catalog;
pub mod cli;
pub mod demo;
pub mod governance;
pub mod hash;
pub mod identity;
pub mod ids;
pub mod index;
pub mod lineage;
pub mod progress;
pub mod registry;
pub mod remote;
pub mod report;
pub mod runs;
pub mod server;
pub mod sniff;
pub mod sync;
pub mod workspace;
