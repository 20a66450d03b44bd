//! After the release exists: release notes, then each destination (groups, stores, testers).

use uuid::Uuid;

use super::Destination;
use crate::types::{
    ReleaseDestinationRequest, ReleaseDetailsUpdateRequest, ReleaseStoreDestinationRequest,
    ReleaseTesterDestinationRequest,
};
use crate::{Client, Error};

/// The app a release belongs to, and how testers are told.
pub(crate) struct Target<'a> {
    pub(crate) client: &'a Client,
    pub(crate) owner: &'a str,
    pub(crate) app: &'a str,
    pub(crate) release_id: i64,
    pub(crate) mandatory_update: bool,
    pub(crate) notify_testers: bool,
}

impl Target<'_> {
    /// `PUT .../releases/{id}` `{"release_notes": ...}`.
    pub(crate) async fn set_release_notes(&self, notes: &str) -> Result<(), Error> {
        let body = ReleaseDetailsUpdateRequest {
            build: None,
            enabled: None,
            release_notes: Some(notes.to_string()),
        };
        self.client
            .releases_update_details()
            .owner_name(self.owner)
            .app_name(self.app)
            .release_id(self.release_id)
            .body(body)
            .send()
            .await?;
        Ok(())
    }

    /// Looks the destination up by name (groups, stores) and adds it to the release.
    pub(crate) async fn add(&self, destination: &Destination) -> Result<(), Error> {
        match destination {
            Destination::Group(name) => {
                let id = self.group_id(name).await?;
                self.client
                    .releases_add_distribution_group()
                    .owner_name(self.owner)
                    .app_name(self.app)
                    .release_id(self.release_id)
                    .body(ReleaseDestinationRequest {
                        id,
                        mandatory_update: Some(self.mandatory_update),
                        notify_testers: self.notify_testers,
                    })
                    .send()
                    .await?;
            }
            Destination::Store(name) => {
                let store = self
                    .client
                    .stores_get()
                    .owner_name(self.owner)
                    .app_name(self.app)
                    .store_name(name)
                    .send()
                    .await?
                    .into_inner();
                let id = store
                    .id
                    .as_deref()
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .ok_or_else(|| {
                        Error::Decode(crate::DecodeError::custom(
                            None,
                            format!("store {name:?} has no valid id: {:?}", store.id),
                        ))
                    })?;
                self.client
                    .releases_add_store()
                    .owner_name(self.owner)
                    .app_name(self.app)
                    .release_id(self.release_id)
                    .body(ReleaseStoreDestinationRequest { id })
                    .send()
                    .await?;
            }
            Destination::Tester(email) => {
                self.client
                    .releases_add_testers()
                    .owner_name(self.owner)
                    .app_name(self.app)
                    .release_id(self.release_id)
                    .body(ReleaseTesterDestinationRequest {
                        email: email.clone(),
                        mandatory_update: Some(self.mandatory_update),
                        notify_testers: self.notify_testers,
                    })
                    .send()
                    .await?;
            }
        }
        Ok(())
    }

    /// `GET .../distribution_groups/{name}` → the group's id. (The spec files this operation
    /// under `account`; the pipeline keeps it with `distribute` too: `features::ALSO_IN`.)
    async fn group_id(&self, name: &str) -> Result<Uuid, Error> {
        let group = self
            .client
            .distribution_groups_get()
            .owner_name(self.owner)
            .app_name(self.app)
            .distribution_group_name(name)
            .send()
            .await?;
        Ok(group.into_inner().id)
    }
}
