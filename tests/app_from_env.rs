//! `AppRef::from_env` and `AppClient::from_env`: one test, since the environment is shared by the
//! whole process.

use appcenter::{AppClient, AppRef, AppRefPart, AppRefProblem, Error, OwnerKind};

fn set(var: &str, value: Option<&str>) {
    // SAFETY: this test binary has this one test, so nothing else reads the environment meanwhile.
    unsafe {
        match value {
            Some(value) => std::env::set_var(var, value),
            None => std::env::remove_var(var),
        }
    }
}

#[test]
fn the_current_app_comes_from_appcenter_app_then_the_cli_variable() {
    set("APPCENTER_ACCESS_TOKEN", Some("from-env-token"));
    set("APPCENTER_BASE_URL", None);

    // Neither set (or only empty): an error naming both variables.
    for empty in [None, Some(""), Some("  ")] {
        set("APPCENTER_APP", empty);
        set("MOBILE_CENTER_CURRENT_APP", empty);
        let err = AppRef::from_env().unwrap_err();
        assert_eq!(err.problem(), &AppRefProblem::NotSet);
        let message = err.to_string();
        assert!(message.contains("APPCENTER_APP"), "{message}");
        assert!(message.contains("MOBILE_CENTER_CURRENT_APP"), "{message}");
        let err = AppClient::from_env().unwrap_err();
        assert!(matches!(err, Error::AppRef(_)), "{err:?}");
    }

    // The official CLI's variable alone.
    set("MOBILE_CENTER_CURRENT_APP", Some("cli-owner/cli-app"));
    assert_eq!(AppRef::from_env().unwrap().slug(), "cli-owner/cli-app");

    // APPCENTER_APP wins, in any form that parses.
    set(
        "APPCENTER_APP",
        Some("https://appcenter.ms/orgs/acme/apps/rocket/distribute"),
    );
    let app = AppRef::from_env().unwrap();
    assert_eq!(
        (app.slug().as_str(), app.kind()),
        ("acme/rocket", Some(OwnerKind::Org))
    );
    let handle = AppClient::from_env().unwrap();
    assert_eq!(handle.app_ref().slug(), "acme/rocket");
    assert_eq!(handle.client().base_url(), "https://api.appcenter.ms");

    // A wrong value is an error naming its variable, with no fallback to the other one.
    set("APPCENTER_APP", Some("My Rocket"));
    let err = AppRef::from_env().unwrap_err();
    assert_eq!(err.variable(), Some("APPCENTER_APP"));
    assert_eq!(err.part(), AppRefPart::Input);
    assert!(err.to_string().starts_with("APPCENTER_APP: "), "{err}");
    assert!(err.to_string().contains("display name"), "{err}");

    set("APPCENTER_APP", None);
    set("MOBILE_CENTER_CURRENT_APP", Some("acme/-rocket"));
    let err = AppRef::from_env().unwrap_err();
    assert_eq!(err.variable(), Some("MOBILE_CENTER_CURRENT_APP"));
    assert_eq!(err.problem(), &AppRefProblem::LeadingHyphen);

    // The client's own configuration errors come first, and the token is never echoed.
    set("MOBILE_CENTER_CURRENT_APP", Some("acme/rocket"));
    set("APPCENTER_ACCESS_TOKEN", None);
    let err = AppClient::from_env().unwrap_err();
    assert!(err.to_string().contains("APPCENTER_ACCESS_TOKEN"), "{err}");
}
