//! Lazy page streams for App Center's paged operations.
//!
//! The spec has no uniform paging; three schemes exist and each paged operation's request builder
//! implements [`Paginate`] with the right one:
//!
//! - **`nextLink`**: the answer names the next page (`errors_group_list`, `errors_list_for_group`,
//!   `push_list`, `export_configurations_list`, `analytics_list_audiences`). The link is relative
//!   to the API host, may carry a leading `/api`, and may lack the `/{owner}/{app}` segments; it is
//!   mended against the first request's URL before it is followed.
//! - **`$top`/`$skip`** (`errors_error_search`, `errors_error_groups_search`,
//!   `errors_available_versions`, `analytics_events`): the offset grows by each page's length.
//! - **`continuation_token`** (`crash_groups_list`).
//!
//! Every page is fetched through the client's hooks (token on the API origin only, retries,
//! timeouts, error normalisation). A stream ends on an empty page, a missing link or token, a
//! link or token seen before, a page that repeats the previous one, or when the answer says there
//! is no more; an error ends it after being yielded. A `nextLink` to another origin (or to plain
//! `http`) ends it with [`Error::Pagination`] ([`PageProblem::ForeignLink`]), as does a page
//! count over the limit ([`Paginate::pages_up_to`], default [`DEFAULT_MAX_PAGES`]).
//!
//! A stream holds the builder it was made from, and for `nextLink` and `$skip` streams also the
//! client and the first request's URL (query included), which the builder tells it before the
//! first page is sent (`page_target()`, added to those builders by the build pipeline's
//! `page_targets.rs` from the statements of their own `send`). The transport knows nothing of
//! page streams.
//!
//! ```no_run
//! use appcenter::pagination::Paginate;
//! use futures::TryStreamExt;
//! # async fn run(client: appcenter::Client) -> appcenter::Result<()> {
//! let groups: Vec<_> = client
//!     .errors_group_list()
//!     .owner_name("me")
//!     .app_name("my-app")
//!     .start(chrono::Utc::now() - chrono::Duration::days(7))
//!     .items()
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```

// Each paging scheme serves some API areas only; with some areas off, some helpers go unused.
#![cfg_attr(
    not(all(
        feature = "errors",
        feature = "push",
        feature = "export",
        feature = "analytics",
        feature = "crash"
    )),
    allow(dead_code, unused_imports)
)]

use std::collections::HashSet;
use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use progenitor_client::{ClientInfo, ResponseValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::from_reqwest;
use crate::generated::Client as Generated;
#[allow(unused_imports)]
use crate::generated::{builder, types};
use crate::{Error, Operation, PageProblem, Result};

/// A stream of pages, each the items of one answer, fetched one at a time as the stream is polled.
pub type Pages<'a, T> = BoxStream<'a, Result<Vec<T>>>;

/// A stream of items across pages, fetched lazily.
pub type Items<'a, T> = BoxStream<'a, Result<T>>;

/// Most pages a stream fetches unless told otherwise ([`Paginate::pages_up_to`]): a server that
/// mints a fresh link for ever ends with [`PageProblem::TooManyPages`] instead of looping.
pub const DEFAULT_MAX_PAGES: usize = 1000;

/// A request builder of a paged operation: turns it into a stream of its pages or items.
///
/// Implemented for the builders of every paged operation of the enabled API areas (see the
/// [module documentation](self)). Parameters set on the builder (filters, `top`...) apply to every
/// page.
pub trait Paginate<'a>: sealed::Sealed + Sized {
    /// One element of a page.
    type Item: Send + 'a;

    /// The pages, fetched lazily; at most `max_pages` of them: one more ends the stream with
    /// [`Error::Pagination`] ([`PageProblem::TooManyPages`]).
    fn pages_up_to(self, max_pages: usize) -> Pages<'a, Self::Item>;

    /// The pages, fetched lazily (at most [`DEFAULT_MAX_PAGES`]).
    fn pages(self) -> Pages<'a, Self::Item> {
        self.pages_up_to(DEFAULT_MAX_PAGES)
    }

    /// The items of every page, fetched lazily, page by page.
    fn items(self) -> Items<'a, Self::Item> {
        self.pages()
            .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

mod sealed {
    pub trait Sealed {}
}

/// What a paged answer says: its items and how to reach the next page.
struct Page<T> {
    items: Vec<T>,
    /// `nextLink`, or the continuation token.
    next: Option<String>,
    /// The answer's own "more results" flag, where it has one.
    more: Option<bool>,
    /// The total number of items across pages, where the answer gives one.
    total: Option<i64>,
}

impl<T> Page<T> {
    fn new(items: Vec<T>) -> Self {
        Self {
            items,
            next: None,
            more: None,
            total: None,
        }
    }
}

type Sent<P> = Result<ResponseValue<P>>;

/// Where a stream starts (a builder's `page_target()`): the client and the first request's URL.
type Target<'a> = Result<(&'a Generated, Url)>;

/// The `nextLink` pages, as shown in errors and tracing (the link itself is never shown).
const NEXT_LINK: Operation = Operation::new("next_link", "GET", "{nextLink}");

fn problem(problem: PageProblem) -> Error {
    Error::Pagination {
        operation: Some(NEXT_LINK),
        problem,
    }
}

/// What ends a stream early: a page count over the limit, or a page equal to the previous one
/// (a server that ignores the offset or mints a fresh link to the same page).
struct Guard {
    max_pages: usize,
    pages: usize,
    previous: Option<String>,
}

impl Guard {
    fn new(max_pages: usize) -> Self {
        Self {
            max_pages,
            pages: 0,
            previous: None,
        }
    }

    /// Counts a page about to be fetched; an error past the limit.
    fn count(&mut self) -> Result<()> {
        self.pages += 1;
        if self.pages > self.max_pages {
            return Err(problem(PageProblem::TooManyPages {
                limit: self.max_pages,
            }));
        }
        Ok(())
    }

    /// Whether `items` repeat the previous page.
    fn repeats<T: Serialize>(&mut self, items: &[T]) -> bool {
        let fingerprint = serde_json::to_string(items).ok();
        let repeated = fingerprint.is_some() && fingerprint == self.previous;
        self.previous = fingerprint;
        repeated
    }
}

/// Pages that name the next page with a `nextLink`.
fn by_link<'a, B, F, G, P, T>(
    first: B,
    max_pages: usize,
    target: fn(B) -> G,
    send: fn(B) -> F,
    split: fn(P) -> Page<T>,
) -> Pages<'a, T>
where
    B: Clone + Send + 'a,
    F: Future<Output = Sent<P>> + Send + 'a,
    G: Future<Output = Target<'a>> + Send + 'a,
    P: DeserializeOwned + Send + 'a,
    T: Serialize + Send + 'a,
{
    struct Follow<'c> {
        client: &'c Generated,
        first: Url,
        next: Url,
        seen: HashSet<String>,
        guard: Guard,
    }
    enum State<'c, B> {
        First(B),
        Follow(Box<Follow<'c>>),
        /// The page before was yielded; this error ends the stream.
        Fail(Error),
        Done,
    }
    stream::try_unfold(State::First(first), move |state| async move {
        let (page, client, first, mut seen, mut guard) = match state {
            State::Done => return Ok(None),
            State::Fail(error) => return Err(error),
            State::First(builder) => {
                let mut guard = Guard::new(max_pages);
                guard.count()?;
                let (client, url) = target(builder.clone()).await?;
                let page = split(send(builder).await?.into_inner());
                let seen = HashSet::from([url.to_string()]);
                (page, client, url, seen, guard)
            }
            State::Follow(follow) => {
                let Follow {
                    client,
                    first,
                    next,
                    seen,
                    mut guard,
                } = *follow;
                guard.count()?;
                (
                    split(fetch(client, next).await?),
                    client,
                    first,
                    seen,
                    guard,
                )
            }
        };
        if guard.repeats(&page.items) {
            return Ok(None);
        }
        let next = match page.next.as_deref().filter(|link| !link.trim().is_empty()) {
            Some(link) => mend_link(&client.baseurl, &first, link),
            None => Ok(None),
        };
        let state = match next.map(|next| next.filter(|url| seen.insert(url.to_string()))) {
            Err(why) => State::Fail(problem(why)),
            Ok(Some(next)) if page.more != Some(false) => State::Follow(Box::new(Follow {
                client,
                first,
                next,
                seen,
                guard,
            })),
            _ => State::Done,
        };
        Ok(nonempty(page.items, state))
    })
    .boxed()
}

/// Pages addressed by `$top`/`$skip`.
fn by_offset<'a, B, F, G, P, T>(
    first: B,
    max_pages: usize,
    target: fn(B) -> G,
    send: fn(B) -> F,
    skip: fn(B, i64) -> B,
    split: fn(P) -> Page<T>,
) -> Pages<'a, T>
where
    B: Clone + Send + 'a,
    F: Future<Output = Sent<P>> + Send + 'a,
    G: Future<Output = Target<'a>> + Send + 'a,
    P: DeserializeOwned + Send + 'a,
    T: Serialize + Send + 'a,
{
    struct State<B> {
        builder: B,
        /// Where the next page starts; `None` before the first page (the caller's `$skip` applies).
        offset: Option<i64>,
        guard: Guard,
    }
    let start = State {
        builder: first,
        offset: None,
        guard: Guard::new(max_pages),
    };
    stream::try_unfold(
        Ok(Some(start)),
        move |state: Result<Option<State<B>>>| async move {
            let Some(State {
                builder,
                offset,
                mut guard,
            }) = state?
            else {
                return Ok(None);
            };
            guard.count()?;
            let request = match offset {
                Some(offset) => skip(builder.clone(), offset),
                None => builder.clone(),
            };
            // This page's own `$skip` and `$top`, as its request sends them.
            let (_, url) = target(request.clone()).await?;
            let page = split(send(request).await?.into_inner());
            let query = |name: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.parse::<i64>().ok())
            };
            let this_offset = query("$skip").unwrap_or(0);
            let count = i64::try_from(page.items.len()).unwrap_or(i64::MAX);
            // A server that ignores `$skip` would send the same page forever.
            if guard.repeats(&page.items) {
                return Ok(None);
            }
            let last = page.more == Some(false) || query("$top").is_some_and(|top| count < top);
            // The page is yielded; an offset past `i64::MAX` ends the stream after it.
            let state = match this_offset.checked_add(count) {
                _ if last => Ok(None),
                None => Err(problem(PageProblem::OffsetOverflow)),
                Some(next) if page.total.is_some_and(|total| next >= total) => Ok(None),
                Some(next) => Ok(Some(State {
                    builder,
                    offset: Some(next),
                    guard,
                })),
            };
            Ok(nonempty(page.items, state))
        },
    )
    .boxed()
}

/// Pages chained by a continuation token.
fn by_token<'a, B, F, P, T>(
    first: B,
    max_pages: usize,
    send: fn(B) -> F,
    with_token: fn(B, String) -> B,
    split: fn(P) -> Page<T>,
) -> Pages<'a, T>
where
    B: Clone + Send + 'a,
    F: Future<Output = Sent<P>> + Send + 'a,
    P: DeserializeOwned + Send + 'a,
    T: Serialize + Send + 'a,
{
    struct State<B> {
        builder: B,
        token: Option<String>,
        seen: HashSet<String>,
        guard: Guard,
    }
    let start = State {
        builder: first,
        token: None,
        seen: HashSet::new(),
        guard: Guard::new(max_pages),
    };
    stream::try_unfold(Some(start), move |state| async move {
        let Some(State {
            builder,
            token,
            mut seen,
            mut guard,
        }) = state
        else {
            return Ok(None);
        };
        guard.count()?;
        let request = match token {
            Some(token) => with_token(builder.clone(), token),
            None => builder.clone(),
        };
        let page = split(send(request).await?.into_inner());
        if guard.repeats(&page.items) {
            return Ok(None);
        }
        let state = page
            .next
            .filter(|token| !token.is_empty() && seen.insert(token.clone()))
            .map(|token| State {
                builder,
                token: Some(token),
                seen,
                guard,
            });
        Ok(nonempty(page.items, state))
    })
    .boxed()
}

/// The page and the next state, or the end of the stream when the page is empty.
fn nonempty<T, S>(items: Vec<T>, next: S) -> Option<(Vec<T>, S)> {
    (!items.is_empty()).then_some((items, next))
}

/// GETs one page by URL through the client's hooks, as a generated operation would.
async fn fetch<P: DeserializeOwned + Send>(client: &Generated, url: Url) -> Result<P> {
    let request = client.client().get(url).build().map_err(from_reqwest)?;
    let page = crate::transport::send_hand_built::<P>(client, request, NEXT_LINK).await?;
    Ok(page.into_inner())
}

/// Resolves a `nextLink` against the API: relative to the API host (below the base URL's path),
/// without a leading `/api`, and with the `/v0.1/apps/{owner}/{app}` prefix of the first request
/// put back when the link names the same resource without it. An absolute link to the API's
/// origin is treated the same way; one to another origin (plain `http` included, when the API is
/// `https`) is refused: its items would not be App Center's. `Ok(None)` when the link cannot be
/// read.
fn mend_link(base: &str, first: &Url, link: &str) -> std::result::Result<Option<Url>, PageProblem> {
    let Ok(base) = Url::parse(base) else {
        return Ok(None);
    };
    let link = link.trim();
    let (path, query) = match Url::parse(link) {
        Ok(absolute) if absolute.origin() != base.origin() => {
            return Err(PageProblem::ForeignLink {
                origin: absolute.origin().ascii_serialization(),
            });
        }
        Ok(absolute) => (
            absolute.path().to_string(),
            absolute.query().map(str::to_string),
        ),
        // `//host/path`: a scheme-relative link to another host.
        Err(_) if link.starts_with("//") => {
            return Err(PageProblem::ForeignLink {
                origin: link
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        Err(_) => match link.split_once('?') {
            Some((path, query)) => (path.to_string(), Some(query.to_string())),
            None => (link.to_string(), None),
        },
    };
    let base_path = base.path().trim_end_matches('/').to_string();
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let prefix: Vec<&str> = base_path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.starts_with(&prefix) && !prefix.is_empty() {
        segments.drain(..prefix.len());
    }
    if segments.first() == Some(&"api") {
        segments.remove(0);
    }
    let first_path = first
        .path()
        .strip_prefix(base_path.as_str())
        .unwrap_or(first.path());
    let expected: Vec<&str> = first_path.split('/').filter(|s| !s.is_empty()).collect();
    if expected.len() > 4 && expected[..2] == ["v0.1", "apps"] {
        let (app, tail) = expected.split_at(4);
        if !segments.starts_with(app) && segments.ends_with(tail) {
            segments = app.iter().chain(tail).copied().collect();
        }
    }
    let mut url = base;
    url.set_path(&format!("{base_path}/{}", segments.join("/")));
    url.set_query(query.as_deref().filter(|q| !q.is_empty()));
    Ok(Some(url))
}

macro_rules! by_link {
    ($feature:literal, $builder:ident, $page:ident, $item:ident, $items:ident) => {
        #[cfg(feature = $feature)]
        impl sealed::Sealed for builder::$builder<'_> {}
        #[cfg(feature = $feature)]
        impl<'a> Paginate<'a> for builder::$builder<'a> {
            type Item = types::$item;
            fn pages_up_to(self, max_pages: usize) -> Pages<'a, types::$item> {
                by_link(
                    self,
                    max_pages,
                    |b| b.page_target(),
                    |b| b.send(),
                    |p: types::$page| Page {
                        next: p.next_link,
                        ..Page::new(p.$items)
                    },
                )
            }
        }
    };
}

by_link!(
    "errors",
    ErrorsGroupList,
    ErrorGroups,
    ErrorGroupListItem,
    error_groups
);
by_link!(
    "errors",
    ErrorsListForGroup,
    HandledErrors,
    HandledError,
    errors
);
by_link!(
    "push",
    PushList,
    NotificationsListResult,
    NotificationOverviewResult,
    values
);
by_link!(
    "export",
    ExportConfigurationsList,
    ExportConfigurationListResult,
    ExportConfigurationResult,
    values
);
by_link!(
    "analytics",
    AnalyticsListAudiences,
    AudienceListResult,
    AudienceSummary,
    values
);

macro_rules! by_offset {
    ($feature:literal, $builder:ident, $page:ident, $item:ty, |$p:ident| $split:expr) => {
        #[cfg(feature = $feature)]
        impl sealed::Sealed for builder::$builder<'_> {}
        #[cfg(feature = $feature)]
        impl<'a> Paginate<'a> for builder::$builder<'a> {
            type Item = $item;
            fn pages_up_to(self, max_pages: usize) -> Pages<'a, $item> {
                by_offset(
                    self,
                    max_pages,
                    |b| b.page_target(),
                    |b| b.send(),
                    |b, n| b.skip(n),
                    |$p: types::$page| $split,
                )
            }
        }
    };
}

by_offset!(
    "errors",
    ErrorsErrorSearch,
    ErrorsSearchResult,
    types::HandledError,
    |p| Page {
        more: p.has_more_results,
        ..Page::new(p.errors)
    }
);
by_offset!(
    "errors",
    ErrorsErrorGroupsSearch,
    ErrorGroupsSearchResult,
    types::ErrorGroupListItem,
    |p| Page {
        more: p.has_more_results,
        ..Page::new(p.error_groups)
    }
);
by_offset!(
    "errors",
    ErrorsAvailableVersions,
    AvailableVersions,
    String,
    |p| Page {
        total: p.total_count,
        ..Page::new(p.versions)
    }
);
by_offset!("analytics", AnalyticsEvents, Events, types::Event, |p| {
    Page {
        total: p.total,
        ..Page::new(p.events)
    }
});

#[cfg(feature = "crash")]
impl sealed::Sealed for builder::CrashGroupsList<'_> {}
#[cfg(feature = "crash")]
impl<'a> Paginate<'a> for builder::CrashGroupsList<'a> {
    type Item = types::CrashGroup;
    fn pages_up_to(self, max_pages: usize) -> Pages<'a, types::CrashGroup> {
        by_token(
            self,
            max_pages,
            |b| b.send(),
            |b, token| b.continuation_token(token),
            |p: types::CrashGroupsContainer| Page {
                next: p.continuation_token,
                ..Page::new(p.crash_groups)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mend(base: &str, first: &str, link: &str) -> String {
        mend_link(base, &Url::parse(first).unwrap(), link)
            .unwrap()
            .unwrap()
            .to_string()
    }

    #[test]
    fn links_are_mended() {
        let base = "https://api.appcenter.ms";
        let first = "https://api.appcenter.ms/v0.1/apps/me/app/errors/errorGroups?start=x";
        let want = "https://api.appcenter.ms/v0.1/apps/me/app/errors/errorGroups?$skiptoken=2";
        for link in [
            "/v0.1/apps/me/app/errors/errorGroups?$skiptoken=2",
            "/api/v0.1/apps/me/app/errors/errorGroups?$skiptoken=2",
            "/api/v0.1/apps/errors/errorGroups?$skiptoken=2",
            "/v0.1/errors/errorGroups?$skiptoken=2",
            "https://api.appcenter.ms/api/v0.1/apps/me/app/errors/errorGroups?$skiptoken=2",
        ] {
            assert_eq!(mend(base, first, link), want, "{link}");
        }
        // A leading `/api` goes even where the owner/app mending does not apply.
        assert_eq!(
            mend(base, first, "/api/v0.1/orgs/acme/apps?$skiptoken=2"),
            "https://api.appcenter.ms/v0.1/orgs/acme/apps?$skiptoken=2"
        );
        let first_url = Url::parse(first).unwrap();
        for foreign in [
            "https://elsewhere.example/x?y=1",
            "http://api.appcenter.ms/v0.1/apps/me/app/errors/errorGroups?$skiptoken=2",
            "//elsewhere.example/x",
        ] {
            assert!(
                matches!(
                    mend_link(base, &first_url, foreign),
                    Err(PageProblem::ForeignLink { .. })
                ),
                "{foreign}"
            );
        }
        assert_eq!(
            mend(
                "http://127.0.0.1:9/prefix",
                "http://127.0.0.1:9/prefix/v0.1/apps/me/app/push/notifications",
                "/api/v0.1/apps/push/notifications?$skiptoken=a"
            ),
            "http://127.0.0.1:9/prefix/v0.1/apps/me/app/push/notifications?$skiptoken=a"
        );
    }
}
