//! Prints the caller's Microsoft Community Training profile: `GET /api/v2/Profile`.
//!
//! Without credentials in the environment, starts the embedded mock instance and asks that. For a
//! real instance set `MCT_SITE_URL` (`https://<site>`; plain `http` only to loopback) and either
//! - user tokens: `MCT_ACCESS_TOKEN` and `MCT_REFRESH_TOKEN` (from signing in at
//!   `https://<site>/ExternalAuthentication/Login`), optionally `MCT_IDENTITY_PROVIDER`
//!   (`PHONE`, `EMAIL` or `AZUREAD`, the default); `MCT_ACCESS_TOKEN` alone is sent as a fixed
//!   bearer token; or
//! - service to service: `MCT_TENANT_ID`, `MCT_CLIENT_ID`, `MCT_CLIENT_SECRET`, `MCT_SCOPE` (the
//!   MCT API's Application ID URI; `/.default` is added) and optionally `MCT_AUTHORITY_URL`
//!   (default `https://login.microsoftonline.com`).
//!
//! ```sh
//! cargo run --example community_training_profile --features community-training,mock
//! ```

use std::process::ExitCode;
use std::time::Duration;

use appcenter::community_training::mock::MockCommunityTraining;
use appcenter::community_training::{
    Client, Credentials, DEFAULT_AUTHORITY, IdentityProvider, ServiceToService, UserTokens,
};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("community_training_profile: {e}");
            ExitCode::FAILURE
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The credentials the environment names, if any.
fn credentials_from_env() -> Result<Option<Credentials>, String> {
    if let (Some(tenant), Some(client_id), Some(secret), Some(scope)) = (
        var("MCT_TENANT_ID"),
        var("MCT_CLIENT_ID"),
        var("MCT_CLIENT_SECRET"),
        var("MCT_SCOPE"),
    ) {
        let authority = var("MCT_AUTHORITY_URL").unwrap_or_else(|| DEFAULT_AUTHORITY.to_string());
        let s2s = ServiceToService::new(tenant, client_id, secret, scope).authority(authority);
        return Ok(Some(s2s.into()));
    }
    let Some(access) = var("MCT_ACCESS_TOKEN") else {
        return Ok(None);
    };
    let Some(refresh) = var("MCT_REFRESH_TOKEN") else {
        return Ok(Some(Credentials::bearer(access)));
    };
    let provider = match var("MCT_IDENTITY_PROVIDER").as_deref() {
        None | Some("AZUREAD") => IdentityProvider::AzureAd,
        Some("EMAIL") => IdentityProvider::Email,
        Some("PHONE") => IdentityProvider::Phone,
        Some(other) => {
            return Err(format!(
                "MCT_IDENTITY_PROVIDER={other:?}: use PHONE, EMAIL or AZUREAD"
            ));
        }
    };
    let tokens = UserTokens::new(access, refresh, provider).on_refresh(|_| {
        // A real program stores the new pair (`new.refresh.expose_secret()`); never print it.
        eprintln!("the tokens were refreshed: the old refresh token no longer works");
    });
    Ok(Some(tokens.into()))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = credentials_from_env()?;
    // Keep the mock alive for the whole call when it is used.
    let (client, _mock) = match (var("MCT_SITE_URL"), credentials) {
        (Some(site), Some(credentials)) => (Client::builder(site, credentials).build()?, None),
        (None, None) => {
            println!("no MCT_* credentials set: asking the embedded mock instance instead");
            let mock = MockCommunityTraining::start().await;
            let client = mock.client(mock.user_tokens(Duration::from_secs(3600)));
            (client, Some(mock))
        }
        (None, Some(_)) => return Err("credentials are set but MCT_SITE_URL is not".into()),
        (Some(_), None) => {
            return Err(
                "MCT_SITE_URL is set but no credentials: set MCT_ACCESS_TOKEN \
                        (and MCT_REFRESH_TOKEN) or the MCT_TENANT_ID/MCT_CLIENT_ID/\
                        MCT_CLIENT_SECRET/MCT_SCOPE set"
                    .into(),
            );
        }
    };
    let profile = client.profile_get().send().await?.into_inner();
    println!("{}", serde_json::to_string_pretty(&profile)?);
    Ok(())
}
