//! Waits for App Center to process a committed symbol upload: `indexed` or `failed`.
//!
//! Right after the commit the service answers `file_size: 0` and `symbols_uploaded: []` with
//! status `committed` or `processing`: that means "not processed yet", never a failure.

use std::time::{Duration, Instant};

use super::error::{Step, SymbolUploadError};
use crate::Client;
use crate::types::SymbolUpload as Entity;

/// How to poll.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaitSettings {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
}

/// Polls `GET .../symbol_uploads/{id}` (each call under the client's retry policy) until the
/// status is `indexed` (the entity) or `failed` (an error), or the deadline passes.
pub(crate) async fn until_processed(
    client: &Client,
    owner: &str,
    app: &str,
    id: &str,
    settings: WaitSettings,
) -> Result<Entity, SymbolUploadError> {
    let started = Instant::now();
    loop {
        let entity = client
            .symbol_uploads_get()
            .owner_name(owner)
            .app_name(app)
            .symbol_upload_id(id)
            .send()
            .await
            .map_err(|e| SymbolUploadError::Api {
                step: Step::Wait,
                symbol_upload_id: Some(id.to_string()),
                source: e,
            })?
            .into_inner();
        // An answer without a status is not done as far as we can tell.
        let status = entity.status.clone().unwrap_or_default();
        match status.as_str() {
            "indexed" => return Ok(entity),
            "failed" | "aborted" => {
                return Err(SymbolUploadError::Failed {
                    symbol_upload_id: id.to_string(),
                    status,
                    file_name: entity.file_name,
                });
            }
            // committed, processing, or a status this crate does not know: not done as far as
            // we can tell; the deadline bounds the wait.
            _ => {}
        }
        let waited = started.elapsed();
        let left = settings.timeout.saturating_sub(waited);
        if left.is_zero() || settings.interval > left {
            return Err(SymbolUploadError::WaitTimeout {
                symbol_upload_id: id.to_string(),
                waited,
                last_status: status,
            });
        }
        tokio::time::sleep(settings.interval).await;
    }
}
