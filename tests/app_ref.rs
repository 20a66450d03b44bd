//! `AppRef`: every form users hold an app's names in, every refused form with its error, and
//! round trips through each rendering (tables, then properties).

use std::collections::{BTreeSet, HashSet};

use appcenter::{AppRef, AppRefError, AppRefPart, AppRefProblem, OwnerKind};
use proptest::prelude::*;
use url::Url;

const LONGEST: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// (input, owner, app, kind)
fn accepted() -> Vec<(String, &'static str, &'static str, Option<OwnerKind>)> {
    use OwnerKind::{Org, User};
    let longest_slug = format!("{LONGEST}/{LONGEST}");
    assert_eq!(LONGEST.len(), 100);
    let mut table: Vec<(String, &str, &str, Option<OwnerKind>)> = vec![
        // The CLI's slug.
        ("acme/rocket".into(), "acme", "rocket", None),
        ("  acme/rocket\n".into(), "acme", "rocket", None),
        ("Acme-Inc_2/My.App-1".into(), "Acme-Inc_2", "My.App-1", None),
        ("a/b".into(), "a", "b", None),
        ("_x/.hidden".into(), "_x", ".hidden", None),
        ("a.b/...".into(), "a.b", "...", None),
        // Portal URLs, users and orgs, with trailing path, query, fragment, http and www.
        (
            "https://appcenter.ms/users/ada/apps/rocket".into(),
            "ada",
            "rocket",
            Some(User),
        ),
        (
            "https://appcenter.ms/orgs/acme/apps/rocket".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "https://appcenter.ms/orgs/acme/apps/rocket/".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "https://appcenter.ms/orgs/acme/apps/rocket/distribute/releases/12".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "https://appcenter.ms/users/ada/apps/rocket?tab=builds".into(),
            "ada",
            "rocket",
            Some(User),
        ),
        (
            "https://appcenter.ms/users/ada/apps/rocket#overview".into(),
            "ada",
            "rocket",
            Some(User),
        ),
        (
            "https://appcenter.ms/users/ada/apps/rocket/analytics/overview?range=7d#top".into(),
            "ada",
            "rocket",
            Some(User),
        ),
        (
            "http://appcenter.ms/orgs/acme/apps/rocket".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "https://www.appcenter.ms/orgs/acme/apps/rocket".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "http://www.appcenter.ms/users/ada/apps/rocket/build/branches".into(),
            "ada",
            "rocket",
            Some(User),
        ),
        (
            "HTTPS://AppCenter.MS/Orgs/Acme/Apps/Rocket".into(),
            "Acme",
            "Rocket",
            Some(Org),
        ),
        (
            "https://appcenter.ms:443/orgs/acme/apps/rocket".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        // Copied without the scheme.
        (
            "appcenter.ms/orgs/acme/apps/rocket".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "www.appcenter.ms/users/ada/apps/rocket/crashes".into(),
            "ada",
            "rocket",
            Some(User),
        ),
        // ... but two parts are a slug, even when the owner's name looks like a host (found by
        // cargo fuzz: the slug of such an app did not parse back).
        ("appcenter.ms/rocket".into(), "appcenter.ms", "rocket", None),
        (
            "api.appcenter.ms/v0.1".into(),
            "api.appcenter.ms",
            "v0.1",
            None,
        ),
        (
            "https://api.appcenter.ms/v0.1/apps/install.appcenter.ms/users".into(),
            "install.appcenter.ms",
            "users",
            None,
        ),
        // Install URLs.
        (
            "https://install.appcenter.ms/users/ada/apps/rocket".into(),
            "ada",
            "rocket",
            Some(User),
        ),
        (
            "https://install.appcenter.ms/orgs/acme/apps/rocket/distribution_groups/public".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "https://install.appcenter.ms/orgs/acme/apps/rocket/releases/12?source=email".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        (
            "install.appcenter.ms/orgs/acme/apps/rocket".into(),
            "acme",
            "rocket",
            Some(Org),
        ),
        // API URLs (from logs or the docs).
        (
            "https://api.appcenter.ms/v0.1/apps/acme/rocket/releases/12".into(),
            "acme",
            "rocket",
            None,
        ),
        // Percent-encoded URL names that decode to valid names.
        (
            "https://appcenter.ms/orgs/acme/apps/rock%2Det".into(),
            "acme",
            "rock-et",
            Some(Org),
        ),
    ];
    table.push((longest_slug, LONGEST, LONGEST, None));
    table
}

#[test]
fn every_accepted_form_parses_to_its_owner_app_and_kind() {
    for (input, owner, app, kind) in accepted() {
        let parsed: AppRef = input
            .parse()
            .unwrap_or_else(|e| panic!("{input:?} was refused: {e}"));
        assert_eq!(
            (parsed.owner(), parsed.app(), parsed.kind()),
            (owner, app, kind),
            "{input:?}"
        );
        // Every conversion agrees with FromStr.
        assert_eq!(AppRef::try_from(input.as_str()).unwrap(), parsed);
        assert_eq!(AppRef::try_from(input.clone()).unwrap(), parsed);
        if let Ok(url) = Url::parse(input.trim()) {
            let from_url = AppRef::try_from(&url).unwrap();
            assert_eq!((from_url.owner(), from_url.kind()), (owner, kind));
        }
    }
}

struct Refused {
    input: String,
    part: AppRefPart,
    problem: AppRefProblem,
    /// Text the message must contain (the hint for the common slips).
    says: &'static [&'static str],
}

fn refused(
    input: impl Into<String>,
    part: AppRefPart,
    problem: AppRefProblem,
    says: &'static [&'static str],
) -> Refused {
    Refused {
        input: input.into(),
        part,
        problem,
        says,
    }
}

fn refused_forms() -> Vec<Refused> {
    use AppRefPart::{App, Input, Owner, Url};
    use AppRefProblem::*;
    let space = |at| InvalidChar { ch: ' ', at };
    vec![
        refused("", Input, Empty, &["no app given"]),
        refused("  \t", Input, Empty, &["no app given"]),
        // Missing owner: the app alone, or a display name alone.
        refused(
            "rocket",
            Input,
            MissingOwner,
            &["`rocket` has no owner", "`{owner}/rocket`"],
        ),
        refused(
            "My Rocket",
            Input,
            MissingOwner,
            &["display name", "appcenter apps list"],
        ),
        // Display names with spaces.
        refused(
            "Acme Inc/My Rocket",
            Owner,
            space(4),
            &["owner name `Acme Inc` contains a space", "display name"],
        ),
        refused(
            "acme/My Rocket",
            App,
            space(2),
            &["app name `My Rocket` contains a space", "display name"],
        ),
        refused(
            "https://appcenter.ms/users/Ada%20L/apps/rocket",
            Owner,
            space(3),
            &["display name"],
        ),
        refused(
            "https://appcenter.ms/orgs/acme/apps/My%20Rocket",
            App,
            space(2),
            &["display name"],
        ),
        // Other characters.
        refused(
            "acme/rocket!",
            App,
            InvalidChar { ch: '!', at: 6 },
            &["'!'", "ASCII letters"],
        ),
        refused("acme/fusée", App, InvalidChar { ch: 'é', at: 3 }, &["'é'"]),
        refused(
            "ac:me/rocket",
            Owner,
            InvalidChar { ch: ':', at: 2 },
            &["':'"],
        ),
        refused("acme/rocket\\x", App, InvalidChar { ch: '\\', at: 6 }, &[]),
        refused("acme/rock%20et", App, InvalidChar { ch: '%', at: 4 }, &[]),
        // Empty, too long, leading hyphen, dot segments.
        refused("/rocket", Owner, Empty, &["owner name is empty"]),
        refused("acme/", App, Empty, &["app name is empty"]),
        refused(
            format!("{LONGEST}a/rocket"),
            Owner,
            TooLong(101),
            &["101 characters", "allows 100"],
        ),
        refused(
            format!("acme/{LONGEST}é"),
            App,
            TooLong(101),
            &["101 characters"],
        ),
        refused("-acme/rocket", Owner, LeadingHyphen, &["starts with `-`"]),
        refused("acme/--help", App, LeadingHyphen, &["option"]),
        refused("acme/..", App, DotSegment, &["`..` is not a name"]),
        refused("./rocket", Owner, DotSegment, &[]),
        // Too many parts.
        refused(
            "acme/rocket/extra",
            Input,
            TooManyParts,
            &["more parts than `owner/app`"],
        ),
        refused(
            "orgs/acme/apps/rocket",
            Input,
            TooManyParts,
            &["https://appcenter.ms/"],
        ),
        // URLs of other sites.
        refused(
            "https://github.com/acme/rocket",
            Url,
            ForeignHost,
            &["`github.com` is not App Center's site", "owner/app"],
        ),
        refused(
            "https://appcenter.ms.example.com/orgs/acme/apps/rocket",
            Url,
            ForeignHost,
            &[],
        ),
        refused(
            "https://notappcenter.ms/orgs/acme/apps/rocket",
            Url,
            ForeignHost,
            &[],
        ),
        refused(
            "https://user:secret@example.com/orgs/acme/apps/rocket",
            Url,
            ForeignHost,
            &[],
        ),
        refused(
            "ftp://appcenter.ms/orgs/acme/apps/rocket",
            Url,
            UnsupportedScheme,
            &["https://"],
        ),
        refused(
            "https://",
            Url,
            NotAUrl(url::ParseError::EmptyHost),
            &["not a valid URL"],
        ),
        // App Center pages that name no app.
        refused(
            "https://appcenter.ms/orgs/acme",
            Url,
            NoApp(Some("acme".into())),
            &["belongs to `acme`", "`acme/{app}`"],
        ),
        refused(
            "appcenter.ms/orgs/acme",
            Url,
            NoApp(Some("acme".into())),
            &["belongs to `acme`"],
        ),
        refused(
            "https://appcenter.ms/orgs/acme/apps",
            Url,
            NoApp(Some("acme".into())),
            &["`acme/{app}`"],
        ),
        refused(
            "https://appcenter.ms/orgs/acme/apps/",
            Url,
            NoApp(Some("acme".into())),
            &[],
        ),
        refused(
            "https://appcenter.ms/orgs/acme/people/members",
            Url,
            NoApp(Some("acme".into())),
            &["does not name an app"],
        ),
        refused(
            "https://install.appcenter.ms/users/ada",
            Url,
            NoApp(Some("ada".into())),
            &[],
        ),
        refused(
            "https://appcenter.ms/apps",
            Url,
            NoApp(None),
            &["open the app in the portal"],
        ),
        refused("https://appcenter.ms/", Url, NoApp(None), &[]),
        refused("https://appcenter.ms/users/", Url, NoApp(None), &[]),
        refused("https://api.appcenter.ms/v0.1/user", Url, NoApp(None), &[]),
        // A page without the app whose owner is itself wrong: the owner is reported.
        refused(
            "https://appcenter.ms/orgs/Acme%20Inc/settings",
            Owner,
            space(4),
            &["display name"],
        ),
    ]
}

#[test]
fn every_refused_form_says_which_part_is_wrong_and_why() {
    for case in refused_forms() {
        let err = case
            .input
            .parse::<AppRef>()
            .expect_err(&format!("{:?} was accepted", case.input));
        assert_eq!(
            (err.part(), err.problem()),
            (case.part, &case.problem),
            "{:?}: {err}",
            case.input
        );
        let message = err.to_string();
        for text in case.says {
            assert!(
                message.contains(text),
                "{:?}: {message:?} lacks {text:?}",
                case.input
            );
        }
        assert!(!message.contains("secret"), "{message}");
        // The crate's error carries it unchanged.
        let as_crate_error = appcenter::Error::from(err.clone());
        assert_eq!(as_crate_error.to_string(), message);
    }
}

#[test]
fn the_common_slips_get_hints_and_the_rest_do_not_need_one() {
    let hint = |input: &str| input.parse::<AppRef>().unwrap_err().hint();
    assert!(hint("My Rocket").unwrap().contains("display name"));
    assert!(hint("rocket").unwrap().contains("{owner}/rocket"));
    assert!(
        hint("https://github.com/acme/rocket")
            .unwrap()
            .contains("appcenter.ms")
    );
    assert!(
        hint("https://appcenter.ms/orgs/acme/people")
            .unwrap()
            .contains("acme/{app}")
    );
    assert_eq!(hint(""), None);
    assert_eq!(hint("acme/.."), None);
}

#[test]
fn a_huge_input_is_echoed_only_in_part() {
    let input = format!("acme/{}", "x y".repeat(10_000));
    let err = input.parse::<AppRef>().unwrap_err();
    assert_eq!(err.part(), AppRefPart::App);
    assert!(err.value().chars().count() <= 121, "{}", err.value().len());
    assert!(err.to_string().len() < 1_000);
}

#[test]
fn new_validates_each_part() {
    let app = AppRef::new("acme", "rocket").unwrap();
    assert_eq!(
        (app.owner(), app.app(), app.kind()),
        ("acme", "rocket", None)
    );
    assert_eq!(
        AppRef::new("acme inc", "rocket").unwrap_err().part(),
        AppRefPart::Owner
    );
    assert_eq!(AppRef::new("acme", "").unwrap_err().part(), AppRefPart::App);
    // `new` takes names, not a slug.
    assert_eq!(
        AppRef::new("acme/x", "rocket").unwrap_err().part(),
        AppRefPart::Owner
    );
}

#[test]
fn renders_the_slug_portal_and_install_urls() {
    let org = AppRef::new("acme", "rocket")
        .unwrap()
        .with_kind(OwnerKind::Org);
    assert_eq!(org.slug(), "acme/rocket");
    assert_eq!(org.to_string(), "acme/rocket");
    assert_eq!(
        org.portal_url().as_str(),
        "https://appcenter.ms/orgs/acme/apps/rocket"
    );
    assert_eq!(
        org.install_url().as_str(),
        "https://install.appcenter.ms/orgs/acme/apps/rocket"
    );
    let user: AppRef = "https://install.appcenter.ms/users/ada/apps/rocket/releases/3"
        .parse()
        .unwrap();
    assert_eq!(
        user.portal_url().as_str(),
        "https://appcenter.ms/users/ada/apps/rocket"
    );
    // An owner of unknown kind renders under users/.
    let unknown: AppRef = "acme/rocket".parse().unwrap();
    assert_eq!(
        unknown.portal_url().as_str(),
        "https://appcenter.ms/users/acme/apps/rocket"
    );
    assert_eq!(
        unknown.install_url().as_str(),
        "https://install.appcenter.ms/users/acme/apps/rocket"
    );
}

/// parse → render → parse gives the same app (and the kind the rendering spelled).
fn assert_round_trips(app: &AppRef) {
    let via_slug: AppRef = app.slug().parse().unwrap();
    assert_eq!(&via_slug, app);
    assert_eq!(via_slug.kind(), None);
    assert_eq!(via_slug.to_string(), app.to_string());

    let rendered_kind = Some(app.kind().unwrap_or(OwnerKind::User));
    for url in [app.portal_url(), app.install_url()] {
        let via_str: AppRef = url.as_str().parse().unwrap();
        let via_url = AppRef::try_from(&url).unwrap();
        for back in [via_str, via_url] {
            assert_eq!(&back, app, "{url}");
            assert_eq!((back.owner(), back.app()), (app.owner(), app.app()));
            assert_eq!(back.kind(), rendered_kind, "{url}");
        }
    }

    let json = serde_json::to_string(app).unwrap();
    assert_eq!(json, format!("\"{}\"", app.slug()));
    assert_eq!(&serde_json::from_str::<AppRef>(&json).unwrap(), app);
}

#[test]
fn every_accepted_form_round_trips_through_each_rendering() {
    for (input, ..) in accepted() {
        assert_round_trips(&input.parse().unwrap());
    }
}

#[test]
fn serde_is_the_slug_and_accepts_every_form() {
    let apps: Vec<AppRef> = serde_json::from_str(
        r#"["acme/rocket", "https://appcenter.ms/orgs/acme/apps/rocket/crashes"]"#,
    )
    .unwrap();
    assert_eq!(apps[0], apps[1]);
    assert_eq!(apps[1].kind(), Some(OwnerKind::Org));
    assert_eq!(
        serde_json::to_string(&apps).unwrap(),
        r#"["acme/rocket","acme/rocket"]"#
    );
    let err = serde_json::from_str::<AppRef>(r#""My Rocket""#).unwrap_err();
    assert!(err.to_string().contains("display name"), "{err}");
    assert!(serde_json::from_str::<AppRef>("42").is_err());
}

#[test]
fn equality_hash_and_order_go_by_owner_then_app_not_kind() {
    let slug: AppRef = "acme/rocket".parse().unwrap();
    let portal: AppRef = "https://appcenter.ms/orgs/acme/apps/rocket"
        .parse()
        .unwrap();
    assert_eq!(slug, portal);
    assert_eq!(HashSet::from([slug.clone(), portal]).len(), 1);
    assert_ne!(
        slug,
        "acme/Rocket".parse::<AppRef>().unwrap(),
        "names are kept as written"
    );

    let sorted: Vec<String> = ["b/a", "a/z", "a/b", "B/a"]
        .iter()
        .map(|s| s.parse::<AppRef>().unwrap())
        .collect::<BTreeSet<_>>()
        .iter()
        .map(AppRef::slug)
        .collect();
    assert_eq!(sorted, ["B/a", "a/b", "a/z", "b/a"]);
}

#[test]
fn the_error_is_a_std_error() {
    let err: Box<dyn std::error::Error> = Box::new("rocket".parse::<AppRef>().unwrap_err());
    assert!(err.to_string().contains("rocket"));
    let url_err = "https://".parse::<AppRef>().unwrap_err();
    assert!(std::error::Error::source(&url_err).is_some());
    let _: &AppRefError = &url_err;
}

// ---- properties ----

/// A valid name: 1 to 100 of the allowed characters, not starting with `-`, not `.` or `..`.
fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}".prop_filter("dot segment", |n| n != "." && n != "..")
}

fn kind() -> impl Strategy<Value = Option<OwnerKind>> {
    prop_oneof![
        Just(None),
        Just(Some(OwnerKind::User)),
        Just(Some(OwnerKind::Org))
    ]
}

/// Inputs near the accepted forms, so the URL and slug branches are exercised, not only noise.
fn near_miss() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[a-zA-Z0-9 ./%:_-]{0,30}/[a-zA-Z0-9 ./%:_-]{0,30}",
        "(https?://)?((www|install|api)\\.)?appcenter\\.ms/\\PC{0,60}",
        "https?://appcenter\\.ms/(users|orgs|USERS|x)/[a-z%0-9.-]{0,8}/(apps|x)?/?[a-z%0-9.-]{0,8}[/?#]?\\PC{0,10}",
        "[a-z+.-]{0,8}://\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Parsing never panics, and whatever it accepts has valid names that round-trip.
    #[test]
    fn parsing_any_string_never_panics(input in near_miss()) {
        match input.parse::<AppRef>() {
            Ok(app) => {
                prop_assert!(AppRef::new(app.owner(), app.app()).is_ok());
                assert_round_trips(&app);
            }
            Err(err) => {
                prop_assert!(!err.to_string().is_empty());
            }
        }
    }

    /// Every valid AppRef round-trips through the slug, both URLs and serde.
    #[test]
    fn every_valid_app_ref_round_trips(owner in name(), app in name(), kind in kind()) {
        let mut app_ref = AppRef::new(&owner, &app).unwrap();
        if let Some(kind) = kind {
            app_ref = app_ref.with_kind(kind);
        }
        prop_assert_eq!(app_ref.owner(), owner.as_str());
        prop_assert_eq!(app_ref.app(), app.as_str());
        assert_round_trips(&app_ref);
    }

    /// A name with a refused character is refused, with the part and the character named.
    #[test]
    fn a_refused_character_is_named(
        owner in name(),
        prefix in "[a-z]{0,5}",
        bad in "[^A-Za-z0-9_./-]",
    ) {
        let input = format!("{owner}/{prefix}{bad}x");
        let err = input.parse::<AppRef>().unwrap_err();
        prop_assert_eq!(err.part(), AppRefPart::App);
        let ch = bad.chars().next().unwrap();
        prop_assert_eq!(err.problem(), &AppRefProblem::InvalidChar { ch, at: prefix.len() });
    }
}
