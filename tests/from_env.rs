//! `Client::from_env`: one test, since the environment is shared by the whole process.

use appcenter::{Client, Error};

#[test]
fn from_env_reads_token_and_base_url() {
    // SAFETY: this test binary has this one test, so nothing else reads the environment meanwhile.
    unsafe {
        std::env::remove_var("APPCENTER_ACCESS_TOKEN");
        std::env::remove_var("APPCENTER_BASE_URL");
    }
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert!(err.to_string().contains("APPCENTER_ACCESS_TOKEN"), "{err}");

    unsafe { std::env::set_var("APPCENTER_ACCESS_TOKEN", "") };
    assert!(
        Client::from_env()
            .unwrap_err()
            .to_string()
            .contains("APPCENTER_ACCESS_TOKEN")
    );

    unsafe { std::env::set_var("APPCENTER_ACCESS_TOKEN", "from-env-token") };
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        "https://api.appcenter.ms"
    );

    unsafe { std::env::set_var("APPCENTER_BASE_URL", "http://127.0.0.1:4010/") };
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        "http://127.0.0.1:4010"
    );

    unsafe { std::env::set_var("APPCENTER_BASE_URL", "http://appcenter.example.com") };
    let err = Client::from_env().unwrap_err();
    assert!(err.to_string().contains("plain-http"), "{err}");
    assert!(!err.to_string().contains("from-env-token"));
}
