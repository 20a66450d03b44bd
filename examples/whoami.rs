//! Prints who the API token belongs to: `GET /v0.1/user`.
//!
//! With `APPCENTER_ACCESS_TOKEN` set, asks App Center (or `APPCENTER_BASE_URL`); without it,
//! starts the embedded mock App Center and asks that.
//!
//! ```sh
//! cargo run --example whoami --features mock
//! ```

use std::process::ExitCode;

use appcenter::mock::MockAppCenter;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("whoami: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> appcenter::Result<()> {
    let token_set = std::env::var(appcenter::TOKEN_ENV).is_ok_and(|t| !t.trim().is_empty());
    // Keep the mock alive for the whole call when it is used.
    let (client, _mock) = if token_set {
        (appcenter::Client::from_env()?, None)
    } else {
        println!(
            "{} is not set: asking the embedded mock App Center instead",
            appcenter::TOKEN_ENV
        );
        let mock = MockAppCenter::start().await;
        (mock.client(), Some(mock))
    };
    let user = client.users_get().send().await?.into_inner();
    // An answer may leave out anything but the user's name (see the fix-up
    // `answers_may_omit_non_identity_fields`).
    let or_dash = |field: &Option<String>| field.clone().unwrap_or_else(|| "-".into());
    println!("display name: {}", or_dash(&user.display_name));
    println!("name:         {}", user.name);
    println!("email:        {}", or_dash(&user.email));
    Ok(())
}
