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
//!   refused except to loopback; POST/PUT/PATCH without a body send `{}` (App Center answers 411
//!   otherwise).
//! - [`AppRef`]: an app's owner and name, parsed from `owner/app`, portal and install URLs, with
//!   errors that say what to write instead; [`Client::app`] gives an [`AppClient`] whose methods
//!   are the operations on that app with both names filled in.
//! - One [`Error`] type: every error shape App Center sends becomes an [`ApiError`] with status,
//!   code, message and correlation id.
//! - Resilience: one [`RetryPolicy`] (429 and `Retry-After`, 5xx, dropped connections), a
//!   connect timeout, a per-attempt timeout and a deadline per call; proxies from the
//!   environment or the builder; extra root certificates.
//! - [`pagination`]: lazy streams over the pages of the paged operations.
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

mod app_client;
mod app_ref;
mod auth;
#[cfg(feature = "account")]
mod avatar;
mod client;
mod error;
mod error_body;
#[cfg(feature = "mock")]
pub mod mock;
pub mod pagination;
mod path_segment;
mod pipe_delimited;
mod retry;
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
mod tls;
mod transport;
#[cfg(feature = "distribute")]
pub mod upload;

pub use app_client::AppClient;
pub use app_ref::{
    APP_ENV, AppRef, AppRefError, AppRefPart, AppRefProblem, CLI_APP_ENV, MAX_NAME_LEN, OwnerKind,
};
pub use auth::{ApiToken, TOKEN_HEADER};
#[cfg(feature = "account")]
pub use avatar::Avatar;
pub use client::{BASE_URL_ENV, Client, ClientBuilder, ClientState, DEFAULT_BASE_URL, TOKEN_ENV};
pub use error::{ApiError, ApiErrorKind, Error, Result};
pub use generated::{ResponseValue, builder, types};
pub use pipe_delimited::{InvalidPipeDelimited, PipeDelimited};
pub use retry::RetryPolicy;
