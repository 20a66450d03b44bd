//! A typed, complete and safe async client for the [App Center](https://appcenter.ms) REST API.
//!
//! Every operation of App Center's published API description is a method of [`Client`],
//! generated at build time by [progenitor](https://docs.rs/progenitor) from the vendored spec
//! (`openapi/`), with typed parameters, bodies and answers ([`types`]). Around it, a small
//! hand-written layer:
//!
//! - [`Client`]/[`ClientBuilder`]: construction from a token or the environment
//!   (`APPCENTER_ACCESS_TOKEN`, `APPCENTER_BASE_URL`), timeouts, a [`RetryPolicy`].
//! - Safety: the token ([`ApiToken`]) goes in `X-API-Token` on requests to the API's own origin
//!   only, never to redirect targets or other hosts, and is never printed; plain `http` is
//!   refused except to loopback; POST/PUT/PATCH without a body send `Content-Length: 0` (App
//!   Center answers 411 otherwise).
//! - One [`Error`] type: every error shape App Center sends becomes an [`ApiError`] with status,
//!   code, message and correlation id.
//! - What the generator cannot express: avatar uploads (`Client::update_app_avatar`,
//!   `Client::update_org_avatar`, feature `account`) and pipe-delimited query lists
//!   ([`PipeDelimited`]).
//! - `upload` (feature `distribute`): [`Client::upload_release`] uploads a build and distributes
//!   it in one call (parallel, resumable, memory-bounded chunk upload; never falsely green).
//! - `mock` (feature `mock`): an offline App Center to test against.
//!
//! API areas are cargo features, one per tag of the spec (`account`, `distribute`, ...), all on
//! by default: `default-features = false, features = ["rustls", "distribute"]` builds only that area.
//!
//! ```no_run
//! # async fn run() -> appcenter::Result<()> {
//! let client = appcenter::Client::from_env()?;
//! let user = client.users_get().send().await?.into_inner();
//! println!("{} ({}) <{}>", user.display_name, user.name, user.email);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

/// The client generated from the App Center spec by `build.rs` (see `openapi/pipeline/`).
///
/// [`Client`] derefs to [`generated::Client`], so its operations are called on `Client` directly.
#[allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/appcenter.rs"));
}

mod auth;
#[cfg(feature = "account")]
mod avatar;
mod client;
mod error;
mod error_body;
#[cfg(feature = "mock")]
pub mod mock;
mod pipe_delimited;
mod retry;
mod transport;
#[cfg(feature = "distribute")]
pub mod upload;

pub use auth::{ApiToken, TOKEN_HEADER};
#[cfg(feature = "account")]
pub use avatar::Avatar;
pub use client::{BASE_URL_ENV, Client, ClientBuilder, ClientState, DEFAULT_BASE_URL, TOKEN_ENV};
pub use error::{ApiError, ApiErrorKind, Error, Result};
pub use generated::{ResponseValue, builder, types};
pub use pipe_delimited::{InvalidPipeDelimited, PipeDelimited};
pub use retry::RetryPolicy;
