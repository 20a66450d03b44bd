//! An offline Community Training instance and Entra token endpoint for tests (features `mock` and
//! `community-training`): two [wiremock](https://docs.rs/wiremock) servers on loopback.
//!
//! The site serves the documented endpoints and the refresh endpoint (the refresh token rotates:
//! each works once; the lifetime of the access tokens it issues is the test's to set) and checks
//! `Authorization` on every call, and `ClientType: Service` on calls with a service token; the
//! authority serves `/{tenant}/oauth2/v2.0/token` for [`MockCommunityTraining::CLIENT_ID`] and
//! [`MockCommunityTraining::CLIENT_SECRET`]. Tokens are JWT-shaped with an `exp` claim. The answer
//! bodies of the mock are illustrative: the profile's fields in particular are not documented.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> appcenter::Result<()> {
//! use std::time::Duration;
//! use appcenter::community_training::mock::MockCommunityTraining;
//! let mock = MockCommunityTraining::start().await;
//! let client = mock.client(mock.user_tokens(Duration::from_secs(3600)));
//! let profile = client.profile_get().send().await?.into_inner();
//! assert_eq!(profile["Email"], "ada@example.com");
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use base64::Engine;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{Client, ClientBuilder, Credentials, IdentityProvider, ServiceToService, UserTokens};
use crate::RetryPolicy;

/// A running mock instance and token authority. Both stop when it is dropped.
pub struct MockCommunityTraining {
    site: MockServer,
    authority: MockServer,
    state: Shared,
}

impl std::fmt::Debug for MockCommunityTraining {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCommunityTraining")
            .field("site", &self.site.uri())
            .field("authority", &self.authority.uri())
            .finish()
    }
}

type Shared = Arc<Mutex<State>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Holder {
    User,
    Service,
}

struct State {
    /// Valid access tokens: who holds each and when it expires.
    access: HashMap<String, (Holder, SystemTime)>,
    /// Refresh tokens that still work (each works once).
    refresh: Vec<String>,
    user_lifetime: Duration,
    service_lifetime: u64,
    refuse_refresh: bool,
    refresh_calls: usize,
    token_requests: usize,
    issued: u64,
}

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    fn issue(&mut self, holder: Holder, lifetime: Duration) -> String {
        self.issued += 1;
        let now = SystemTime::now();
        let exp = now + lifetime;
        let unix = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs()
        };
        let (iat, seconds) = (unix(now), unix(exp));
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!(
            "{}.{}.mock-signature",
            engine.encode(r#"{"alg":"none","typ":"JWT"}"#),
            engine.encode(
                json!({ "iat": iat, "exp": seconds, "sub": format!("{holder:?}"), "n": self.issued })
                    .to_string()
            )
        );
        self.access.insert(token.clone(), (holder, exp));
        token
    }

    fn issue_refresh(&mut self) -> String {
        self.issued += 1;
        let token = format!("mock-refresh-token-{}", self.issued);
        self.refresh.push(token.clone());
        token
    }
}

impl MockCommunityTraining {
    /// The tenant the authority issues tokens for.
    pub const TENANT: &'static str = "mock-tenant";
    /// The client id the authority accepts.
    pub const CLIENT_ID: &'static str = "mock-client-id";
    /// The client secret the authority accepts.
    pub const CLIENT_SECRET: &'static str = "mock-client-secret";
    /// The scope the authority accepts.
    pub const SCOPE: &'static str = "api://mock-community-training/.default";

    /// Starts the site and the authority on free loopback ports.
    pub async fn start() -> Self {
        let site = MockServer::start().await;
        let authority = MockServer::start().await;
        let state: Shared = Arc::new(Mutex::new(State {
            access: HashMap::new(),
            refresh: Vec::new(),
            user_lifetime: Duration::from_secs(3600),
            service_lifetime: 3599,
            refuse_refresh: false,
            refresh_calls: 0,
            token_requests: 0,
            issued: 0,
        }));
        Mock::given(any())
            .respond_with(Site(Arc::clone(&state)))
            .mount(&site)
            .await;
        Mock::given(any())
            .respond_with(Authority(Arc::clone(&state)))
            .mount(&authority)
            .await;
        Self {
            site,
            authority,
            state,
        }
    }

    /// The instance's URL (`http://127.0.0.1:PORT`).
    pub fn site_url(&self) -> String {
        self.site.uri()
    }

    /// The token authority's URL (for [`ServiceToService::authority`]).
    pub fn authority_url(&self) -> String {
        self.authority.uri()
    }

    /// The site's wiremock server, to mount more answers or inspect what it received.
    pub fn site(&self) -> &MockServer {
        &self.site
    }

    /// The authority's wiremock server, to inspect what it received.
    pub fn authority(&self) -> &MockServer {
        &self.authority
    }

    /// A fresh pair for a signed-in user (identity provider `AZUREAD`), the access token valid
    /// for `lifetime` (`Duration::ZERO`: already expired).
    pub fn user_tokens(&self, lifetime: Duration) -> UserTokens {
        let mut state = lock(&self.state);
        let access = state.issue(Holder::User, lifetime);
        let refresh = state.issue_refresh();
        UserTokens::new(access, refresh, IdentityProvider::AzureAd)
    }

    /// Service-to-service credentials the authority accepts, pointed at it.
    pub fn service_to_service(&self) -> ServiceToService {
        ServiceToService::new(
            Self::TENANT,
            Self::CLIENT_ID,
            Self::CLIENT_SECRET,
            Self::SCOPE,
        )
        .authority(self.authority_url())
    }

    /// A client for the site with `credentials` (fast retries, for tests).
    pub fn client(&self, credentials: impl Into<Credentials>) -> Client {
        self.client_builder(credentials)
            .build()
            .expect("the mock's URLs are valid loopback URLs")
    }

    /// A builder for the site with `credentials` and fast retries, to adjust before building.
    pub fn client_builder(&self, credentials: impl Into<Credentials>) -> ClientBuilder {
        Client::builder(self.site_url(), credentials)
            .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
            .no_proxy()
    }

    /// How long the access tokens the refresh endpoint issues from now on are valid.
    pub fn set_refreshed_lifetime(&self, lifetime: Duration) {
        lock(&self.state).user_lifetime = lifetime;
    }

    /// The `expires_in` of the service tokens the authority issues from now on.
    pub fn set_service_token_lifetime(&self, seconds: u64) {
        lock(&self.state).service_lifetime = seconds;
    }

    /// Makes every access token issued so far invalid: the site answers 401 to them.
    pub fn revoke_access_tokens(&self) {
        lock(&self.state).access.clear();
    }

    /// Makes the refresh endpoint refuse every refresh token (400), as when it expired.
    pub fn refuse_refresh(&self, refuse: bool) {
        lock(&self.state).refuse_refresh = refuse;
    }

    /// Calls to the refresh endpoint so far.
    pub fn refresh_calls(&self) -> usize {
        lock(&self.state).refresh_calls
    }

    /// Token requests to the authority so far.
    pub fn token_requests(&self) -> usize {
        lock(&self.state).token_requests
    }

    /// The profile the site serves at `GET /api/v2/Profile` (fields invented: not documented).
    pub fn profile() -> Value {
        json!({ "Id": 42, "Name": "Ada Lovelace", "Email": "ada@example.com", "organizationName": "Contoso" })
    }
}

/// The instance: refresh endpoint, then the documented endpoints behind the token check.
struct Site(Shared);

impl Respond for Site {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let method = request.method.as_str().to_string();
        if method == "POST" && path.starts_with("/api/v1/ExternalAuthToken/RefreshToken/") {
            return self.refresh(request, &path);
        }
        if let Some(refusal) = self.check_token(request) {
            return refusal;
        }
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["api", "v2", "Profile"]) => ok(MockCommunityTraining::profile()),
            ("GET", ["api", "v1", "organization"]) => ok(json!([
                { "id": 1, "name": "Contoso", "description": "Head office", "tenantId": MockCommunityTraining::TENANT },
                { "id": 2, "name": "Fabrikam", "description": null, "tenantId": MockCommunityTraining::TENANT }
            ])),
            ("GET", ["api", "v1", "users"]) => match query.get("searchTerm") {
                Some(term) if !term.is_empty() => ok(json!([
                    { "Id": 7, "Name": "Ada Lovelace", "Email": term }
                ])),
                _ => ResponseTemplate::new(400).set_body_string("searchTerm field is required"),
            },
            ("GET", ["api", "v1", "admin", "users"]) => {
                let users: Vec<Value> = (1..=5)
                    .map(|i| json!({ "Id": i, "Name": format!("User {i}") }))
                    .collect();
                let skip = query.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
                let take = query
                    .get("take")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(100);
                let page: Vec<Value> = users.into_iter().skip(skip).take(take).collect();
                ok(json!({ "UserDetails": page }))
            }
            ("GET", ["api", "v1", "Groups"]) => ok(json!([{
                "GroupId": 3, "GroupName": "Nurses", "GroupDescription": "Ward staff",
                "NumberOfUsers": 12, "GroupType": 0, "OrganizationId": 1, "OrganizationName": "Contoso"
            }])),
            ("GET", ["api", "v1", "Certificates"]) => {
                ok(json!({ "courseCertificates": [], "learningPathCertificates": [] }))
            }
            ("GET" | "POST", ["api", "v4", "Courses", id, "Content"]) => ok(json!({
                "CourseItems": [
                    { "ItemType": "Lesson", "CourseItemId": 100, "Data": { "Id": format!("lesson-of-{id}") } },
                    { "ItemType": "Quiz", "CourseItemId": 101, "Data": {
                        "Id": 200, "QuizData": { "Id": 201 }, "Questions": [{ "Id": 202 }, { "Id": 203 }]
                    } }
                ]
            })),
            (
                "PUT",
                [
                    "api",
                    "v1",
                    "Course",
                    _,
                    "Lesson" | "Quiz",
                    "ImportProgress",
                ],
            ) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let list = if path.contains("/Lesson/") {
                    "lessonProgress"
                } else {
                    "quizProgress"
                };
                if body.get("userContact").and_then(Value::as_str).is_none()
                    || !body.get(list).is_some_and(Value::is_array)
                {
                    return ResponseTemplate::new(400).set_body_json(
                        json!({ "message": format!("userContact and {list} are required") }),
                    );
                }
                ResponseTemplate::new(200)
            }
            ("PUT", ["api", "v1", "user", "organization"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                if body.get("UserContact").is_none() || body.get("OrganizationName").is_none() {
                    return ResponseTemplate::new(400).set_body_json(
                        json!({ "message": "UserContact and OrganizationName are required" }),
                    );
                }
                ResponseTemplate::new(200)
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({ "message": "not found" })),
        }
    }
}

impl Site {
    /// 401 unless the call carries a valid, unexpired token, and `ClientType: Service` with a
    /// service token.
    fn check_token(&self, request: &Request) -> Option<ResponseTemplate> {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let refuse =
            |why: &str| Some(ResponseTemplate::new(401).set_body_json(json!({ "message": why })));
        let Some(authorization) = header("authorization") else {
            return refuse("no Authorization header");
        };
        let Some((scheme, token)) = authorization.split_once(' ') else {
            return refuse("malformed Authorization header");
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return refuse("not a bearer token");
        }
        let holder = {
            let state = lock(&self.0);
            match state.access.get(token.trim()) {
                Some((holder, exp)) if SystemTime::now() < *exp => *holder,
                Some(_) => return refuse("the access token has expired"),
                None => return refuse("unknown access token"),
            }
        };
        if holder == Holder::Service && header("clienttype").as_deref() != Some("Service") {
            return refuse("a service token needs the header ClientType: Service");
        }
        None
    }

    fn refresh(&self, request: &Request, path: &str) -> ResponseTemplate {
        let mut state = lock(&self.0);
        state.refresh_calls += 1;
        let provider = path.rsplit('/').next().unwrap_or_default();
        if !["PHONE", "EMAIL", "AZUREAD"].contains(&provider) {
            return ResponseTemplate::new(400)
                .set_body_json(json!({ "message": "unknown identity provider" }));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let given = body
            .get("RefreshToken")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(at) = state.refresh.iter().position(|r| r == given) else {
            return ResponseTemplate::new(400)
                .set_body_json(json!({ "message": "invalid refresh token" }));
        };
        if state.refuse_refresh {
            return ResponseTemplate::new(400)
                .set_body_json(json!({ "message": "the refresh token has expired" }));
        }
        state.refresh.remove(at);
        let lifetime = state.user_lifetime;
        let access = state.issue(Holder::User, lifetime);
        let refresh = state.issue_refresh();
        ok(json!({ "AccessToken": access, "RefreshToken": refresh }))
    }
}

/// The Entra v2 token endpoint, client credentials only.
struct Authority(Shared);

impl Respond for Authority {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.0);
        state.token_requests += 1;
        let expected = format!("/{}/oauth2/v2.0/token", MockCommunityTraining::TENANT);
        if request.method.as_str() != "POST" || request.url.path() != expected {
            return ResponseTemplate::new(404).set_body_json(json!({ "error": "not_found" }));
        }
        let form: HashMap<String, String> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |name: &str| form.get(name).map(String::as_str);
        if field("grant_type") != Some("client_credentials") {
            return entra_error(400, "unsupported_grant_type");
        }
        if field("client_id") != Some(MockCommunityTraining::CLIENT_ID)
            || field("client_secret") != Some(MockCommunityTraining::CLIENT_SECRET)
        {
            return entra_error(401, "invalid_client");
        }
        if field("scope") != Some(MockCommunityTraining::SCOPE) {
            return entra_error(400, "invalid_scope");
        }
        let lifetime = state.service_lifetime;
        let token = state.issue(Holder::Service, Duration::from_secs(lifetime));
        ok(
            json!({ "token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token }),
        )
    }
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn entra_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": code,
        "error_description": format!("AADSTS0000: {code} (mock authority)"),
    }))
}
