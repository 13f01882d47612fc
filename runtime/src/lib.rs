//! The hand-written runtime of the generated Caspio client and its MCP tools. It knows no Caspio
//! operation: the generated crate calls it and hands it what it needs (the base path, and a
//! [`Registry`] of tool definitions whose request builders it generated). Everything written
//! once lives here: authentication ([`auth`]), sending, retries and errors ([`client`],
//! [`limits`], [`error`]), requests and multipart ([`request`], [`files`]), answers
//! ([`response`]), and the tool layer ([`tools`], [`validate`], [`guard`], [`where_builder`]).
//! The words it shares with the generator come from [`caspio_contract`].
#![warn(missing_docs)]

pub mod auth;
pub mod client;
pub mod error;
pub mod files;
pub mod guard;
pub mod limits;
pub mod names;
mod registry;
pub mod request;
pub mod response;
pub mod tools;
pub mod validate;
pub mod where_builder;

pub use auth::Credentials;
pub use caspio_contract as contract;
pub use caspio_qwhere as qwhere;
pub use client::Client;
pub use error::{describe, ApiError, Error, RateLimit};
pub use files::FileUpload;
pub use limits::{CallStats, RetryPolicy};
pub use registry::Registry;
pub use request::Request;
pub use response::{Download, Response};
