//! Secrets in generated types never print: `Debug` of each type that carries one, with a canary
//! planted in every secret field, never shows the canary (the redaction step
//! `openapi/pipeline/redact.rs`). And the step's rule and its build check, on small inputs.
#![cfg(feature = "all-areas")]

use appcenter::types;
use serde_json::json;

// The redaction step, as `build.rs` sees it.
#[path = "../openapi/pipeline/redact.rs"]
#[allow(dead_code)]
mod redact;

const CANARY: &str = "CANARY-7f3a9c";

/// Both `Debug` forms of `value`, which must not contain the canary; returns the plain one.
fn shown(value: &impl std::fmt::Debug) -> String {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(!text.contains(CANARY), "the canary printed: {text}");
    }
    format!("{value:?}")
}

#[test]
fn a_symbol_upload_sas_url_prints_without_its_signature() {
    let url = format!(
        "https://symbols.blob.core.windows.net:443/c/upload-1?sv=2019-02-02&se=2020-02-05T22%3A26%3A14Z&sr=b&sp=w&sig={CANARY}%2B%3D"
    );
    let begun: types::SymbolUploadBeginResponse = serde_json::from_value(json!({
        "symbol_upload_id": "b1a2c3d4", "upload_url": url, "expiration_date": "2020-02-05T22:26:14.323Z"
    }))
    .unwrap();
    let text = shown(&begun);
    assert!(text.contains("sig=<redacted>"), "{text}");
    assert!(text.contains("symbols.blob.core.windows.net:443/c/upload-1?sv=2019-02-02"));
    assert!(
        text.contains("b1a2c3d4"),
        "other fields still print: {text}"
    );
}

#[test]
fn export_and_data_secrets_never_print() {
    let export: types::ExportConfig = serde_json::from_value(
        json!({ "blob_container_sas_uri": format!("https://a.blob/c?sig={CANARY}") }),
    )
    .unwrap();
    assert!(shown(&export).contains("<redacted>"));

    let data: types::DataProvisioningParameters = serde_json::from_value(json!({
        "accountName": "my-db-account",
        "databaseConnectionString": format!("AccountEndpoint=https://x/;AccountKey={CANARY};")
    }))
    .unwrap();
    assert!(data.database_connection_string.is_some());
    assert!(shown(&data).contains("my-db-account"));

    let dsr: types::DataSubjectRightStatusResponse = serde_json::from_value(json!({
        "sasUrl": format!("https://export.blob/x?sv=1&sig={CANARY}"), "sasUrlExpired": false,
        "status": "Completed"
    }))
    .unwrap();
    assert!(dsr.sas_url.is_some());
    let text = shown(&dsr);
    // `sas_url_expired` matches the rule's words but is a boolean: it prints.
    assert!(text.contains("sas_url_expired: Some(false)"), "{text}");
}

#[test]
fn a_blob_export_connection_string_never_prints() {
    let configuration: types::ExportConfiguration = serde_json::from_value(json!({
        "type": "blob_storage_connection_string",
        "connection_string": format!("DefaultEndpointsProtocol=https;AccountName=a;AccountKey={CANARY}"),
        "export_entities": ["crashes"]
    }))
    .unwrap();
    assert!(configuration.connection_string.is_some());
    assert!(shown(&configuration).contains("BlobStorageConnectionString"));
    // The type's builder holds the same field.
    let builder = types::ExportConfiguration::builder().connection_string(Some(CANARY.to_string()));
    shown(&builder);
}

#[test]
fn codepush_deployment_keys_never_print() {
    let deployment: types::Deployment =
        serde_json::from_value(json!({ "name": "Production", "key": CANARY })).unwrap();
    assert!(shown(&deployment).contains("Production"));
    let list: Vec<types::Deployment> =
        serde_json::from_value(json!([{ "name": "Staging", "key": CANARY }])).unwrap();
    shown(&list);
}

#[test]
fn a_secret_path_parameter_never_prints_from_an_operation_builder() {
    let client = appcenter::Client::builder("token").build().unwrap();
    let builder = client.org_invitations_accept().invitation_token(CANARY);
    shown(&builder);
}

fn parse(code: &str) -> syn::File {
    syn::parse_str(code).unwrap()
}

#[test]
fn the_rule_redacts_by_name_keeps_harmless_matches_and_scrubs_urls() {
    let mut file = parse(
        r#"
        pub mod types {
            #[derive(Clone, Debug, PartialEq)]
            pub struct Signing {
                pub keystore_password: String,
                pub key_alias: String,
                pub can_change_password: Option<bool>,
                pub download_url: String,
                pub name: String,
            }
            #[derive(Debug)]
            pub struct Plain { pub name: String }
        }
        "#,
    );
    let done = redact::redact(&mut file);
    assert_eq!(
        (
            done.structs,
            done.secret_fields,
            done.url_fields,
            done.allowed
        ),
        (1, 1, 1, 2)
    );
    let code = quote::quote!(#file).to_string();
    assert!(
        code.contains("\"keystore_password\" , & \"<redacted>\""),
        "{code}"
    );
    assert!(
        code.contains("crate :: redact :: Url (& self . download_url)"),
        "{code}"
    );
    assert!(code.contains("& self . key_alias"), "{code}");
    // `Debug` is no longer derived where it is written by hand, still derived elsewhere.
    assert!(code.contains("derive (Clone , PartialEq)"), "{code}");
    assert!(code.contains("derive (Debug)"), "{code}");
    assert!(redact::check(&file).is_ok());
}

#[test]
fn the_build_check_fails_on_a_secret_field_with_a_derived_debug() {
    // A struct the redaction step did not see (here: it never ran) fails the check, naming it.
    let file = parse(
        r#"
        #[derive(Debug)]
        pub struct Login { pub user: String, pub password: String }
        #[derive(Debug)]
        pub enum Credentials { Token { api_token: String }, Anonymous }
        #[derive(Debug)]
        pub struct Harmless { pub token_id: String, pub is_key_valid: bool }
        "#,
    );
    let error = redact::check(&file).unwrap_err();
    assert!(error.contains("Login.password"), "{error}");
    assert!(error.contains("Credentials::Token.api_token"), "{error}");
    assert!(!error.contains("Harmless"), "{error}");
}
