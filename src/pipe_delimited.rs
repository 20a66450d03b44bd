//! [`PipeDelimited`]: a list sent as one `|`-joined query value (the spec's `collectionFormat:
//! pipes`, which progenitor cannot generate).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A list of values sent as one query parameter joined with `|` (`versions=1.0|1.1`), as the
/// analytics and errors operations take their `versions` and `event_name` filters.
///
/// Setters accept it from a `Vec` or an array of strings, or one string for a single value;
/// a value that contains `|` itself, or an empty list, is refused with
/// [`Error::InvalidRequest`](crate::Error::InvalidRequest) when the call is sent, rather than
/// silently split into other values.
///
/// ```no_run
/// # async fn run(client: appcenter::Client) -> appcenter::Result<()> {
/// let sessions = client
///     .analytics_session_counts()
///     .owner_name("me")
///     .app_name("my-app")
///     .start(chrono::Utc::now() - chrono::Duration::days(7))
///     .interval("P1D")
///     .versions(["1.0", "1.1"])
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipeDelimited(Vec<String>);

impl PipeDelimited {
    /// The list, refusing an empty one and values containing `|`.
    pub fn new<I, S>(values: I) -> Result<Self, InvalidPipeDelimited>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        if values.is_empty() {
            return Err(InvalidPipeDelimited(
                "the list is empty: pass at least one value".into(),
            ));
        }
        if let Some(bad) = values.iter().find(|v| v.contains('|')) {
            return Err(InvalidPipeDelimited(format!(
                "the value {bad:?} contains `|`, which separates the values sent: pass the values \
                 as a list"
            )));
        }
        Ok(Self(values))
    }

    /// The values.
    pub fn values(&self) -> &[String] {
        &self.0
    }
}

/// Why a list cannot be sent as a [`PipeDelimited`] value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidPipeDelimited(String);

impl fmt::Display for InvalidPipeDelimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidPipeDelimited {}

impl fmt::Display for PipeDelimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("|"))
    }
}

impl<S: Into<String>> TryFrom<Vec<S>> for PipeDelimited {
    type Error = InvalidPipeDelimited;
    fn try_from(values: Vec<S>) -> Result<Self, Self::Error> {
        Self::new(values)
    }
}

impl<S: Into<String>, const N: usize> TryFrom<[S; N]> for PipeDelimited {
    type Error = InvalidPipeDelimited;
    fn try_from(values: [S; N]) -> Result<Self, Self::Error> {
        Self::new(values)
    }
}

impl TryFrom<&str> for PipeDelimited {
    type Error = InvalidPipeDelimited;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new([value])
    }
}

impl TryFrom<String> for PipeDelimited {
    type Error = InvalidPipeDelimited;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new([value])
    }
}

impl Serialize for PipeDelimited {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PipeDelimited {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let joined = String::deserialize(deserializer)?;
        Ok(Self(joined.split('|').map(str::to_string).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_pipes_and_refuses_what_it_cannot_send() {
        let list = PipeDelimited::try_from(vec!["1.0", "2.0 (3)"]).unwrap();
        assert_eq!(serde_json::to_string(&list).unwrap(), r#""1.0|2.0 (3)""#);
        assert_eq!(list.values(), ["1.0", "2.0 (3)"]);
        assert!(PipeDelimited::try_from(["a|b"]).is_err());
        assert!(PipeDelimited::try_from(Vec::<String>::new()).is_err());
    }
}
