//! [`AppRef`]: an app's owner and name, parsed from every form users hold them in.
//!
//! App Center addresses an app by two URL names, the owner's (a user or an organisation) and the
//! app's: `/v0.1/apps/{owner_name}/{app_name}/...`. Users have them as the official CLI's
//! `owner/app` slug, as a portal URL (`https://appcenter.ms/orgs/{owner}/apps/{app}/...`) or as an
//! install URL (`https://install.appcenter.ms/users/{owner}/apps/{app}`). Their most common slip is
//! the app's display name ("My App") in place of its URL name (`my-app`), so errors say which part
//! is wrong, why, and what to write instead.

use std::cmp::Ordering;
use std::convert::Infallible;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use url::Url;

/// The environment variable naming the current app (`owner/app` or a portal URL).
pub const APP_ENV: &str = "APPCENTER_APP";
/// The official CLI's environment variable for the current app, read when [`APP_ENV`] is unset.
pub const CLI_APP_ENV: &str = "MOBILE_CENTER_CURRENT_APP";

/// The longest owner or app name App Center accepts (the official CLI's limit).
pub const MAX_NAME_LEN: usize = 100;

const PORTAL_HOSTS: &[&str] = &["appcenter.ms", "www.appcenter.ms"];
const INSTALL_HOST: &str = "install.appcenter.ms";
const API_HOST: &str = "api.appcenter.ms";
/// How much of a wrong value an error keeps, so a huge input does not make a huge message.
const MAX_ECHO: usize = 120;

/// Whether an app's owner is a user or an organisation. App Center's API does not need it (owner
/// names are unique across both), but portal and install URLs spell it (`users/` or `orgs/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OwnerKind {
    /// A user account: `https://appcenter.ms/users/{owner}/...`.
    User,
    /// An organisation: `https://appcenter.ms/orgs/{owner}/...`.
    Org,
}

impl OwnerKind {
    /// The URL path segment: `users` or `orgs`.
    pub fn path_segment(self) -> &'static str {
        match self {
            OwnerKind::User => "users",
            OwnerKind::Org => "orgs",
        }
    }
}

/// An App Center app: its owner's URL name and its own URL name, validated.
///
/// Parsed (with [`FromStr`], [`TryFrom`] or [`AppRef::new`]) from:
/// - the slug the official CLI prints and takes: `owner/app`;
/// - a portal URL, `http(s)://(www.)appcenter.ms/users|orgs/{owner}/apps/{app}`, with any trailing
///   path, query or fragment (`.../distribute/releases/12?tab=1`); the scheme may be left
///   out (but two `/`-separated parts are always a slug: an owner may be called `appcenter.ms`);
/// - an install URL, `https://install.appcenter.ms/users|orgs/{owner}/apps/{app}/...`;
/// - an API URL, `https://api.appcenter.ms/v0.1/apps/{owner}/{app}/...`.
///
/// Each name is 1 to 100 ASCII letters, digits, `-`, `_` or `.`, does not start with `-` and is
/// not `.` or `..` (those are read as relative path steps in URLs). Names are kept as written.
///
/// Two `AppRef`s are equal, hash and order by owner then app; the [`OwnerKind`] a URL revealed is
/// kept for rendering URLs but does not take part in comparisons, so `owner/app` and
/// `https://appcenter.ms/users/owner/apps/app` are the same app. It serialises as the slug.
///
/// ```
/// use appcenter::{AppRef, OwnerKind};
/// let app: AppRef = "https://appcenter.ms/orgs/acme/apps/rocket/distribute/releases/12".parse()?;
/// assert_eq!((app.owner(), app.app(), app.kind()), ("acme", "rocket", Some(OwnerKind::Org)));
/// assert_eq!(app.to_string(), "acme/rocket");
/// assert_eq!(app.portal_url().as_str(), "https://appcenter.ms/orgs/acme/apps/rocket");
/// assert_eq!(app, "acme/rocket".parse()?);
/// # Ok::<(), appcenter::AppRefError>(())
/// ```
#[derive(Clone, Debug)]
pub struct AppRef {
    owner: String,
    app: String,
    kind: Option<OwnerKind>,
}

impl AppRef {
    /// An app from its owner's and its own URL names, validated; the owner kind is unknown.
    pub fn new(owner: impl Into<String>, app: impl Into<String>) -> Result<Self, AppRefError> {
        let (owner, app) = (owner.into(), app.into());
        check_name(Part::Owner, &owner)?;
        check_name(Part::App, &app)?;
        Ok(Self {
            owner,
            app,
            kind: None,
        })
    }

    /// This app with its owner known to be a user or an organisation.
    #[must_use]
    pub fn with_kind(mut self, kind: OwnerKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The current app from the environment: [`APP_ENV`] (`APPCENTER_APP`), or when it is unset or
    /// empty the official CLI's [`CLI_APP_ENV`] (`MOBILE_CENTER_CURRENT_APP`), parsed like any
    /// other input. A value that does not parse is an error naming its variable (there is no
    /// fallback past a wrong value); neither set is an error naming both.
    pub fn from_env() -> Result<Self, AppRefError> {
        for var in [APP_ENV, CLI_APP_ENV] {
            if let Some(value) = std::env::var_os(var) {
                let value = value.to_string_lossy();
                if value.trim().is_empty() {
                    continue;
                }
                return value.parse().map_err(|e: AppRefError| e.in_variable(var));
            }
        }
        Err(AppRefError::new(Part::Input, Problem::NotSet, ""))
    }

    /// The owner's URL name (a user or an organisation).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The app's URL name.
    pub fn app(&self) -> &str {
        &self.app
    }

    /// Whether the owner is a user or an organisation, when the input said so.
    pub fn kind(&self) -> Option<OwnerKind> {
        self.kind
    }

    /// The slug `owner/app`, as the official CLI prints and takes it (also [`Display`](fmt::Display)).
    pub fn slug(&self) -> String {
        self.to_string()
    }

    /// The app's page in the App Center portal: `https://appcenter.ms/{users|orgs}/{owner}/apps/{app}`.
    ///
    /// An owner of unknown kind is rendered under `users/`; set the kind with
    /// [`with_kind`](Self::with_kind) for an organisation's app.
    pub fn portal_url(&self) -> Url {
        self.url_on(PORTAL_HOSTS[0])
    }

    /// The app's install page: `https://install.appcenter.ms/{users|orgs}/{owner}/apps/{app}`.
    /// An owner of unknown kind is rendered under `users/`, as in [`portal_url`](Self::portal_url).
    pub fn install_url(&self) -> Url {
        self.url_on(INSTALL_HOST)
    }

    fn url_on(&self, host: &str) -> Url {
        let kind = self.kind.unwrap_or(OwnerKind::User).path_segment();
        // Names are validated to URL-safe characters that are not dot segments, so this is a
        // well-formed URL whose path is exactly these four segments.
        Url::parse(&format!(
            "https://{host}/{kind}/{}/apps/{}",
            self.owner, self.app
        ))
        .expect("validated names make a valid URL")
    }
}

impl fmt::Display for AppRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.app)
    }
}

impl PartialEq for AppRef {
    fn eq(&self, other: &Self) -> bool {
        self.owner == other.owner && self.app == other.app
    }
}

impl Eq for AppRef {}

impl Hash for AppRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.owner.hash(state);
        self.app.hash(state);
    }
}

impl PartialOrd for AppRef {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AppRef {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.owner, &self.app).cmp(&(&other.owner, &other.app))
    }
}

impl FromStr for AppRef {
    type Err = AppRefError;

    fn from_str(input: &str) -> Result<Self, AppRefError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(AppRefError::new(Part::Input, Problem::Empty, ""));
        }
        if input.contains("://") {
            let url = Url::parse(input)
                .map_err(|e| AppRefError::new(Part::Url, Problem::NotAUrl(e), input))?;
            return Self::try_from(&url);
        }
        let lower = input.to_ascii_lowercase();
        // A URL copied without its scheme (browsers hide it). Two parts are always a slug: an
        // owner may well be called `appcenter.ms`, and no URL of an app has fewer than four.
        let without_scheme = input.split('/').count() > 2
            && PORTAL_HOSTS
                .iter()
                .chain([&INSTALL_HOST, &API_HOST])
                .any(|host| lower.starts_with(&format!("{host}/")));
        if without_scheme {
            let url = Url::parse(&format!("https://{input}"))
                .map_err(|e| AppRefError::new(Part::Url, Problem::NotAUrl(e), input))?;
            return Self::try_from(&url);
        }
        parse_slug(input)
    }
}

fn parse_slug(input: &str) -> Result<AppRef, AppRefError> {
    let mut parts = input.split('/');
    let (Some(owner), Some(app)) = (parts.next(), parts.next()) else {
        return Err(AppRefError::new(Part::Input, Problem::MissingOwner, input));
    };
    if parts.next().is_some() {
        return Err(AppRefError::new(Part::Input, Problem::TooManyParts, input));
    }
    AppRef::new(owner, app)
}

impl TryFrom<&Url> for AppRef {
    type Error = AppRefError;

    fn try_from(url: &Url) -> Result<Self, AppRefError> {
        if !matches!(url.scheme(), "https" | "http") {
            return Err(AppRefError::new(
                Part::Url,
                Problem::UnsupportedScheme,
                url.scheme(),
            ));
        }
        let host = url.host_str().unwrap_or_default();
        let segments: Vec<&str> = url
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        if host == API_HOST {
            // /v0.1/apps/{owner}/{app}/...
            return match segments.as_slice() {
                [_, apps, owner, app, ..] if apps.eq_ignore_ascii_case("apps") => {
                    AppRef::new(decode(owner), decode(app))
                }
                _ => Err(AppRefError::new(
                    Part::Url,
                    Problem::NoApp(None),
                    url_path(url),
                )),
            };
        }
        if !PORTAL_HOSTS.contains(&host) && host != INSTALL_HOST {
            return Err(AppRefError::new(Part::Url, Problem::ForeignHost, host));
        }
        // /{users|orgs}/{owner}/apps/{app}/...
        let kind = match segments.first() {
            Some(s) if s.eq_ignore_ascii_case("users") => OwnerKind::User,
            Some(s) if s.eq_ignore_ascii_case("orgs") => OwnerKind::Org,
            _ => {
                return Err(AppRefError::new(
                    Part::Url,
                    Problem::NoApp(None),
                    url_path(url),
                ));
            }
        };
        let owner = match segments.get(1) {
            Some(owner) if !owner.is_empty() => decode(owner),
            _ => {
                return Err(AppRefError::new(
                    Part::Url,
                    Problem::NoApp(None),
                    url_path(url),
                ));
            }
        };
        match (segments.get(2), segments.get(3)) {
            (Some(apps), Some(app)) if apps.eq_ignore_ascii_case("apps") && !app.is_empty() => {
                Ok(AppRef::new(owner, decode(app))?.with_kind(kind))
            }
            _ => {
                // Validate the owner first: a wrong owner is the more useful message.
                check_name(Part::Owner, &owner)?;
                Err(AppRefError::new(
                    Part::Url,
                    Problem::NoApp(Some(owner)),
                    url_path(url),
                ))
            }
        }
    }
}

impl TryFrom<Url> for AppRef {
    type Error = AppRefError;

    fn try_from(url: Url) -> Result<Self, AppRefError> {
        Self::try_from(&url)
    }
}

impl TryFrom<&str> for AppRef {
    type Error = AppRefError;

    fn try_from(input: &str) -> Result<Self, AppRefError> {
        input.parse()
    }
}

impl TryFrom<String> for AppRef {
    type Error = AppRefError;

    fn try_from(input: String) -> Result<Self, AppRefError> {
        input.parse()
    }
}

impl TryFrom<&String> for AppRef {
    type Error = AppRefError;

    fn try_from(input: &String) -> Result<Self, AppRefError> {
        input.parse()
    }
}

impl From<&AppRef> for AppRef {
    fn from(app: &AppRef) -> Self {
        app.clone()
    }
}

impl serde::Serialize for AppRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for AppRef {
    /// Accepts every form [`FromStr`] does.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A URL path segment, percent-decoded (so `My%20App` is reported as the display name it is).
fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn url_path(url: &Url) -> String {
    format!("{}{}", url.host_str().unwrap_or_default(), url.path())
}

fn check_name(part: Part, name: &str) -> Result<(), AppRefError> {
    let problem = if name.is_empty() {
        Problem::Empty
    } else if name.len() > MAX_NAME_LEN {
        Problem::TooLong(name.chars().count())
    } else if let Some((at, ch)) = name
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Problem::InvalidChar { ch, at }
    } else if name.starts_with('-') {
        Problem::LeadingHyphen
    } else if name == "." || name == ".." {
        Problem::DotSegment
    } else {
        return Ok(());
    };
    Err(AppRefError::new(part, problem, name))
}

/// Which part of an app reference is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AppRefPart {
    /// The input as a whole (empty, no owner, too many parts, not set in the environment).
    Input,
    /// A URL: its scheme, host or the shape of its path.
    Url,
    /// The owner's name.
    Owner,
    /// The app's name.
    App,
}

use AppRefPart as Part;

/// Why an app reference was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppRefProblem {
    /// Nothing was given.
    Empty,
    /// A name is longer than [`MAX_NAME_LEN`] (its length in characters).
    TooLong(usize),
    /// A name has a character other than ASCII letters, digits, `-`, `_` and `.` (byte offset).
    InvalidChar {
        /// The character.
        ch: char,
        /// Its byte offset in the name.
        at: usize,
    },
    /// A name starts with `-`.
    LeadingHyphen,
    /// A name is `.` or `..`, which URLs read as relative path steps.
    DotSegment,
    /// One name without `owner/`.
    MissingOwner,
    /// More than two `/`-separated parts, and not a URL.
    TooManyParts,
    /// It has `://` but is not a URL.
    NotAUrl(url::ParseError),
    /// A URL whose scheme is not `http` or `https`.
    UnsupportedScheme,
    /// A URL of another site than App Center.
    ForeignHost,
    /// An App Center URL without an `.../apps/{app}` part (with the owner it names, if any).
    NoApp(Option<String>),
    /// Neither [`APP_ENV`] nor [`CLI_APP_ENV`] is set.
    NotSet,
}

use AppRefProblem as Problem;

/// An input that does not name an App Center app: which part is wrong, why, and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRefError {
    part: AppRefPart,
    problem: AppRefProblem,
    value: String,
    variable: Option<&'static str>,
}

impl AppRefError {
    fn new(part: AppRefPart, problem: AppRefProblem, value: impl AsRef<str>) -> Self {
        let value = value.as_ref();
        let value = match value.char_indices().nth(MAX_ECHO) {
            Some((end, _)) => format!("{}…", &value[..end]),
            None => value.to_string(),
        };
        Self {
            part,
            problem,
            value,
            variable: None,
        }
    }

    fn in_variable(mut self, variable: &'static str) -> Self {
        self.variable = Some(variable);
        self
    }

    /// Which part is wrong.
    pub fn part(&self) -> AppRefPart {
        self.part
    }

    /// Why it is wrong.
    pub fn problem(&self) -> &AppRefProblem {
        &self.problem
    }

    /// The wrong value: the name, the URL's host or path, or the input (the first 120 characters).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The environment variable the input came from, for [`AppRef::from_env`].
    pub fn variable(&self) -> Option<&'static str> {
        self.variable
    }

    /// What to write instead, for the common slips: a display name, a missing owner, another
    /// site's URL, a URL without the app.
    pub fn hint(&self) -> Option<String> {
        let value = &self.value;
        let display_name = value.contains(char::is_whitespace);
        Some(match &self.problem {
            Problem::InvalidChar { .. } | Problem::MissingOwner if display_name => format!(
                "`{value}` looks like a display name; App Center knows apps and owners by the \
                 names in their URLs (`appcenter.ms/orgs/{{owner}}/apps/{{app}}`), which have no \
                 spaces: copy them from the portal URL or from `appcenter apps list`"
            ),
            Problem::InvalidChar { .. } => {
                "names use only ASCII letters, digits, `-`, `_` and `.`".to_string()
            }
            Problem::MissingOwner => format!(
                "write `{{owner}}/{value}`, where the owner is the user or organisation name in \
                 the app's portal URL"
            ),
            Problem::TooManyParts => "write `owner/app`, or a full portal URL with its \
                                      `https://appcenter.ms/`"
                .to_string(),
            Problem::ForeignHost => "give `owner/app` or an App Center URL: \
                                     `https://appcenter.ms/users|orgs/{owner}/apps/{app}` or \
                                     `https://install.appcenter.ms/...`"
                .to_string(),
            Problem::NoApp(Some(owner)) => format!(
                "this page belongs to `{owner}` but names no app: open the app in the portal and \
                 copy that URL (`.../apps/{{app}}/...`), or write `{owner}/{{app}}`"
            ),
            Problem::NoApp(None) => "open the app in the portal and copy that URL \
                                     (`https://appcenter.ms/users|orgs/{owner}/apps/{app}`)"
                .to_string(),
            Problem::UnsupportedScheme => "use the app's `https://` URL".to_string(),
            Problem::LeadingHyphen => {
                "did a command-line option end up in place of the app?".to_string()
            }
            Problem::NotSet => format!("set {APP_ENV} to `owner/app`"),
            Problem::Empty | Problem::TooLong(_) | Problem::DotSegment | Problem::NotAUrl(_) => {
                return None;
            }
        })
    }
}

impl fmt::Display for AppRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(variable) = self.variable {
            write!(f, "{variable}: ")?;
        }
        let value = &self.value;
        let subject = match self.part {
            Part::Input => format!("`{value}`"),
            Part::Url => format!("the URL `{value}`"),
            Part::Owner => format!("the owner name `{value}`"),
            Part::App => format!("the app name `{value}`"),
        };
        match &self.problem {
            Problem::Empty if self.part == Part::Input => write!(f, "no app given"),
            Problem::Empty => write!(f, "the {} name is empty", self.part_noun()),
            Problem::TooLong(len) => write!(
                f,
                "{subject} is {len} characters long; App Center allows {MAX_NAME_LEN}"
            ),
            Problem::InvalidChar { ch, .. } if ch.is_whitespace() => {
                write!(f, "{subject} contains a space")
            }
            Problem::InvalidChar { ch, .. } => write!(f, "{subject} contains {ch:?}"),
            Problem::LeadingHyphen => write!(f, "{subject} starts with `-`"),
            Problem::DotSegment => write!(f, "{subject} is not a name"),
            Problem::MissingOwner => write!(f, "{subject} has no owner (`owner/app`)"),
            Problem::TooManyParts => write!(f, "{subject} has more parts than `owner/app`"),
            Problem::NotAUrl(e) => write!(f, "{subject} is not a valid URL: {e}"),
            Problem::UnsupportedScheme => write!(f, "`{value}:` URLs do not name an app"),
            Problem::ForeignHost => write!(f, "`{value}` is not App Center's site"),
            Problem::NoApp(_) => write!(f, "{subject} does not name an app"),
            Problem::NotSet => write!(
                f,
                "no app given: neither {APP_ENV} nor {CLI_APP_ENV} is set"
            ),
        }?;
        if let Some(hint) = self.hint() {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl AppRefError {
    fn part_noun(&self) -> &'static str {
        match self.part {
            Part::Owner => "owner",
            Part::App => "app",
            Part::Url | Part::Input => "input",
        }
    }
}

impl std::error::Error for AppRefError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            Problem::NotAUrl(e) => Some(e),
            _ => None,
        }
    }
}

/// Lets `AppRef` itself (whose `TryFrom<AppRef>` cannot fail) go wherever inputs that parse do.
impl From<Infallible> for AppRefError {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}
