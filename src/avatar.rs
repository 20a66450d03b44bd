//! The avatar uploads (`apps_updateAvatar`, `organization_updateAvatar`): multipart/form-data
//! requests, which progenitor cannot generate. They go through the same hooks as generated calls:
//! token on the API's origin only, retries and deadlines, origin-checked redirects, one error type.

use progenitor_client::ClientInfo;
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use crate::{Client, Error, Operation, ResponseValue, types};

/// An image to upload as an avatar: its bytes, file name and media type.
///
/// ```
/// let avatar = appcenter::Avatar::new(std::fs::read("Cargo.toml").unwrap(), "logo.png");
/// assert_eq!(avatar.media_type(), "image/png");
/// ```
#[derive(Clone)]
pub struct Avatar {
    bytes: bytes::Bytes,
    file_name: String,
    media_type: String,
}

impl std::fmt::Debug for Avatar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Avatar")
            .field("file_name", &self.file_name)
            .field("media_type", &self.media_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Avatar {
    /// An image with its file name; the media type follows the extension (`png`, `jpg`/`jpeg`,
    /// `gif`, `bmp`, `webp`, else `application/octet-stream`; see [`Avatar::media_type`]).
    pub fn new(bytes: impl Into<bytes::Bytes>, file_name: impl Into<String>) -> Self {
        let file_name = file_name.into();
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let media_type = match extension.as_str() {
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "bmp" => "image/bmp",
            "webp" => "image/webp",
            _ => "application/octet-stream",
        };
        Self {
            bytes: bytes.into(),
            file_name,
            media_type: media_type.to_string(),
        }
    }

    /// Sets the media type sent for the image.
    #[must_use]
    pub fn with_media_type(mut self, media_type: impl Into<String>) -> Self {
        self.media_type = media_type.into();
        self
    }

    /// The media type sent for the image.
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The multipart/form-data body with the image as the part `avatar`, and its boundary.
    /// Built in memory (avatars are small) so that a retry or a redirect can send it again.
    fn form(&self) -> Result<(Vec<u8>, String), Error> {
        if self.media_type.contains(['\r', '\n']) {
            return Err(Error::InvalidRequest(
                "the avatar's media type contains a line break".into(),
            ));
        }
        let boundary = boundary_for(&self.bytes);
        // Quotes and line breaks in the file name are percent-encoded, as browsers do.
        let file_name = self
            .file_name
            .replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        let mut body = Vec::with_capacity(self.bytes.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {}\r\n\r\n",
                self.media_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(&self.bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Ok((body, boundary))
    }
}

/// A multipart boundary that does not occur in `data`.
fn boundary_for(data: &[u8]) -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    (0u128..)
        .map(|n| format!("appcenter-rust-{:032x}", seed.wrapping_add(n)))
        .find(|b| !data.windows(b.len()).any(|w| w == b.as_bytes()))
        .expect("some boundary is absent from the data")
}

impl Client {
    /// Uploads an app's avatar (`POST /v0.1/apps/{owner_name}/{app_name}/avatar`, the spec's
    /// `apps_updateAvatar`) and returns the updated app.
    pub async fn update_app_avatar(
        &self,
        owner_name: &str,
        app_name: &str,
        avatar: &Avatar,
    ) -> Result<ResponseValue<types::AppResponse>, Error> {
        let path = format!(
            "/v0.1/apps/{}/{}/avatar",
            segment(owner_name)?,
            segment(app_name)?
        );
        const OPERATION: Operation = Operation::new(
            "apps_update_avatar",
            "POST",
            "/v0.1/apps/{owner_name}/{app_name}/avatar",
        );
        self.upload_avatar(&path, avatar, OPERATION).await
    }

    /// Uploads an organization's avatar (`POST /v0.1/orgs/{org_name}/avatar`, the spec's
    /// `organization_updateAvatar`) and returns the updated organization.
    pub async fn update_org_avatar(
        &self,
        org_name: &str,
        avatar: &Avatar,
    ) -> Result<ResponseValue<types::OrganizationResponse>, Error> {
        let path = format!("/v0.1/orgs/{}/avatar", segment(org_name)?);
        const OPERATION: Operation = Operation::new(
            "organization_update_avatar",
            "POST",
            "/v0.1/orgs/{org_name}/avatar",
        );
        self.upload_avatar(&path, avatar, OPERATION).await
    }

    async fn upload_avatar<T: serde::de::DeserializeOwned + Send>(
        &self,
        path: &str,
        avatar: &Avatar,
        operation: Operation,
    ) -> Result<ResponseValue<T>, Error> {
        let api = self.api();
        let (body, boundary) = avatar.form()?;
        let content_type =
            HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
                .expect("the boundary is a valid header value");
        let request = api
            .client()
            .post(format!("{}{path}", api.baseurl()))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .build()
            .map_err(|e| Error::InvalidRequest(e.without_url().to_string()))?;
        crate::transport::send_hand_built(api, request, operation).await
    }
}

/// A path segment encoded like every generated operation's (`.`/`..`/empty refused).
fn segment(value: &str) -> Result<String, Error> {
    crate::path_segment::encode(value).map_err(Error::InvalidRequest)
}
