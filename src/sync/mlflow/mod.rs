pub mod client;
pub mod pull;
pub mod wire;
