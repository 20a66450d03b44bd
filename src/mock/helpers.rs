//! The generated `MockAppCenter::on_<operation>` helpers, one per operation of the enabled API
//! areas (written by `openapi/pipeline/mock_helpers.rs`), and the table of every operation's
//! method and path template the "not served" answer names.

use super::{MockAppCenter, On};

include!(concat!(env!("OUT_DIR"), "/mock_helpers.rs"));
