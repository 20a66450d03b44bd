//! Parses arbitrary input as an `AppRef`: it must never panic, and whatever it accepts must
//! round-trip through the slug, the portal URL and the install URL.
#![no_main]

use appcenter::AppRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    match input.parse::<AppRef>() {
        Ok(app) => {
            assert!(AppRef::new(app.owner(), app.app()).is_ok(), "{app:?}");
            let via_slug: AppRef = app.slug().parse().expect("slug parses");
            assert_eq!(via_slug, app);
            for url in [app.portal_url(), app.install_url()] {
                let back = AppRef::try_from(&url).expect("rendered URL parses");
                assert_eq!(back, app, "{url}");
                assert_eq!((back.owner(), back.app()), (app.owner(), app.app()));
            }
        }
        Err(err) => {
            assert!(!err.to_string().is_empty());
            let _ = err.hint();
        }
    }
});
