//! Operations of the upstream spec that are deliberately not generated, each with its reason.
//!
//! This list is the only way an operation leaves the client: `tests/operations.rs` checks that the
//! generated client has exactly the spec's operations minus these, so a refreshed spec cannot lose
//! one unnoticed.

/// One operation left out of generation.
pub struct Exclusion {
    /// The `operationId` in the upstream spec.
    pub operation_id: &'static str,
    /// Why it is not generated.
    pub reason: &'static str,
}

const DEVICE_SDK: &str = "a /v0.1/public endpoint for the device SDKs and installed apps: \
    authenticated by an app secret or release hash, never by an API token; a service has no use for it";

/// The exclusion list.
pub const EXCLUDED: &[Exclusion] = &[
    Exclusion {
        operation_id: "releases_getSparkleFeed",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "releases_getPublicGroupsForReleaseByHash",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "releases_getLatestPublicRelease",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "releases_getLatestByPublicDistributionGroup",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "releases_getIosManifest",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "distibutionReleases_installAnalytics",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "codePushAcquisition_updateCheck",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "codePushAcquisition_getAcquisitionStatus",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "codePushAcquisition_updateDownloadStatus",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "codePushAcquisition_updateDeployStatus",
        reason: DEVICE_SDK,
    },
    Exclusion {
        operation_id: "builds_webhook",
        reason: "/v0.1/public/hooks receives source-control webhooks (GitHub, Bitbucket, ...); it is \
                 called by those services, not by an API client",
    },
    Exclusion {
        operation_id: "apps_updateAvatar",
        reason: "multipart/form-data upload, which progenitor cannot generate; \
                 hand-written as `Client::update_app_avatar` (src/avatar.rs)",
    },
    Exclusion {
        operation_id: "organization_updateAvatar",
        reason: "multipart/form-data upload, which progenitor cannot generate; \
                 hand-written as `Client::update_org_avatar` (src/avatar.rs)",
    },
];

/// Whether `operation_id` is on the exclusion list.
pub fn is_excluded(operation_id: &str) -> bool {
    EXCLUDED.iter().any(|e| e.operation_id == operation_id)
}
