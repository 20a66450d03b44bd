//! Time limits for chunks on slow uplinks: not a fixed total, but inactivity while the chunk's
//! bytes are handed to the network (each [`PIECE`] taken is progress), then, once its last byte
//! left, a wait for the answer that scales with the bytes in flight.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::error::TransferError;

/// Counts a chunk's bytes as in flight until dropped (the attempt ended, or its future was).
pub(crate) struct InFlight<'a> {
    counter: &'a AtomicU64,
    len: u64,
    /// Bytes in flight when this chunk started, itself included.
    pub(crate) total: u64,
}

impl<'a> InFlight<'a> {
    pub(crate) fn add(counter: &'a AtomicU64, len: u64) -> Self {
        let total = counter
            .fetch_add(len, Ordering::Relaxed)
            .saturating_add(len);
        Self {
            counter,
            len,
            total,
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(self.len, Ordering::Relaxed);
    }
}

/// When a chunk's bytes last moved, and whether the last one has.
pub(crate) struct Activity {
    state: Mutex<(Instant, bool)>,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new((Instant::now(), false)),
        }
    }

    fn moved(&self, last: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *state = (Instant::now(), last);
    }

    fn get(&self) -> (Instant, bool) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Pieces handed to the HTTP stack one at a time: it takes the next only when it has room, so
/// each one taken means bytes moved.
pub(crate) const PIECE: usize = 16 * 1024;

/// The chunk as a stream of [`PIECE`]s, telling `activity` about each one taken.
pub(crate) fn pieces(
    data: Bytes,
    activity: Arc<Activity>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::unfold(0, move |offset| {
        let data = data.clone();
        let activity = Arc::clone(&activity);
        async move {
            if offset >= data.len() {
                return None;
            }
            let end = (offset + PIECE).min(data.len());
            activity.moved(end == data.len());
            Some((Ok(data.slice(offset..end)), end))
        }
    })
}

/// Ends (with the error) when the chunk's bytes stopped moving for `idle`, or, once its last
/// byte left, when its answer has not come within `tail`. Never ends when both are `None`.
pub(crate) async fn watchdog(
    activity: &Activity,
    idle: Option<Duration>,
    tail: Option<Duration>,
) -> TransferError {
    loop {
        let (last, done) = activity.get();
        let limit = if done { tail } else { idle };
        let Some(at) = limit.and_then(|limit| last.checked_add(limit)) else {
            if done {
                // No bound on the answer: wait for it.
                return futures::future::pending().await;
            }
            // No inactivity bound while sending: look again for the last byte.
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        };
        if Instant::now() >= at {
            return TransferError::TimedOut {
                after: limit.unwrap_or_default(),
                sending: !done,
            };
        }
        tokio::time::sleep_until(at.into()).await;
    }
}
