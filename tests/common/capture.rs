//! A tracing subscriber that records every span (with the fields recorded on it later) and
//! every event, as text, for tests to search. Shared by several test files; each uses a part.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One span or event: its name and its fields as `name=value` text.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// `span` or `event`.
    pub kind: &'static str,
    /// The span's name, or the event's target.
    pub name: String,
    /// Field name and value (`Debug` of the value, or the string itself).
    pub fields: Vec<(String, String)>,
    /// The id of the span (spans only), to find its children.
    pub id: u64,
    /// The span the entry was created in, where there was one (spans' explicit or current parent).
    pub parent: Option<u64>,
}

impl Entry {
    /// The value of `field`, where recorded.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The recording subscriber; clone it to read what it recorded.
#[derive(Clone, Default)]
pub struct Capture {
    entries: Arc<Mutex<Vec<Entry>>>,
    next: Arc<AtomicU64>,
    current: Arc<Mutex<Vec<u64>>>,
}

impl Capture {
    /// Everything recorded so far.
    pub fn entries(&self) -> Vec<Entry> {
        self.entries.lock().unwrap().clone()
    }

    /// The spans named `name`.
    pub fn spans(&self, name: &str) -> Vec<Entry> {
        self.entries()
            .into_iter()
            .filter(|e| e.kind == "span" && e.name == name)
            .collect()
    }

    /// Everything recorded, as one text.
    pub fn text(&self) -> String {
        format!("{:?}", self.entries())
    }
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut entry = Entry {
            kind: "span",
            name: span.metadata().name().to_string(),
            id,
            parent: span
                .parent()
                .map(Id::into_u64)
                .or_else(|| self.current.lock().unwrap().last().copied()),
            ..Entry::default()
        };
        span.record(&mut Fields(&mut entry.fields));
        self.entries.lock().unwrap().push(entry);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut entries = self.entries.lock().unwrap();
        if let Some(entry) = entries
            .iter_mut()
            .find(|e| e.kind == "span" && e.id == span.into_u64())
        {
            values.record(&mut Fields(&mut entry.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut entry = Entry {
            kind: "event",
            name: event.metadata().target().to_string(),
            parent: event
                .parent()
                .map(Id::into_u64)
                .or_else(|| self.current.lock().unwrap().last().copied()),
            ..Entry::default()
        };
        event.record(&mut Fields(&mut entry.fields));
        self.entries.lock().unwrap().push(entry);
    }

    fn enter(&self, span: &Id) {
        self.current.lock().unwrap().push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut current = self.current.lock().unwrap();
        if let Some(at) = current.iter().rposition(|id| *id == span.into_u64()) {
            current.remove(at);
        }
    }
}
