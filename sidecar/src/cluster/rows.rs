//! Summary rows kept ready for lists. Each cached object's row is built once, when the watch event
//! that changes the object arrives, and kept as JSON text; a list request then only filters, pages
//! and concatenates. The one column that changes with the clock, `age`, is written per request
//! from the time it counts from.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

use super::kinds::{Row, short_duration};

/// One object's summary row, as JSON text around its `age`.
#[derive(Debug)]
pub struct ReadyRow {
    pub namespace: Option<String>,
    pub name: String,
    /// The STATUS column, for views that count by it (the overview) without parsing the row.
    pub status: Option<Box<str>>,
    /// Unix seconds `age` counts from (creation; an event's last sighting); no age when absent.
    age_from: Option<i64>,
    /// `{"name":…,"namespace":…,"created":…,"age":`
    head: Box<str>,
    /// The kind's columns and the closing brace: `,"ready":"1/1",…}` (or `}`).
    tail: Box<str>,
}

impl ReadyRow {
    /// Keeps `row` (whose own `age` is ignored) as the text [`Row`]'s `Serialize` writes.
    pub fn new(row: &Row, age_from: Option<i64>) -> ReadyRow {
        let text = |v: &str| serde_json::to_string(v).expect("a string serialises");
        let mut head = String::with_capacity(96);
        head.push_str("{\"name\":");
        head.push_str(&text(&row.name));
        if let Some(ns) = &row.namespace {
            head.push_str(",\"namespace\":");
            head.push_str(&text(ns));
        }
        head.push_str(",\"created\":");
        match &row.created {
            Some(c) => head.push_str(&text(c)),
            None => head.push_str("null"),
        }
        head.push_str(",\"age\":");
        let columns = serde_json::to_string(&row.columns).expect("JSON values serialise");
        let tail = match columns.as_str() {
            "{}" => "}".to_string(),
            c => format!(",{}", &c[1..]),
        };
        ReadyRow {
            namespace: row.namespace.clone(),
            name: row.name.clone(),
            status: row.columns.get("status").and_then(Value::as_str).map(Box::from),
            age_from,
            head: head.into_boxed_str(),
            tail: tail.into_boxed_str(),
        }
    }

    /// Appends the row's JSON, its `age` as of `now` (Unix seconds).
    pub fn write(&self, out: &mut Vec<u8>, now: i64) {
        out.extend_from_slice(self.head.as_bytes());
        out.push(b'"');
        if let Some(from) = self.age_from {
            out.extend_from_slice(short_duration((now - from).max(0)).as_bytes());
        }
        out.push(b'"');
        out.extend_from_slice(self.tail.as_bytes());
    }

    /// The row as a value (for sorting by a column): parses what [`ReadyRow::write`] writes.
    pub fn to_row(&self, now: i64) -> Row {
        let mut out = Vec::with_capacity(self.head.len() + self.tail.len() + 8);
        self.write(&mut out, now);
        let mut columns: Map<String, Value> = serde_json::from_slice(&out).expect("a ready row is JSON");
        let mut take = |k: &str| match columns.remove(k) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let (created, age) = (take("created"), take("age").unwrap_or_default());
        columns.remove("name");
        columns.remove("namespace");
        Row {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            created,
            age,
            columns,
        }
    }

    /// Rough heap bytes of this row (for the memory accounting log).
    pub fn bytes(&self) -> usize {
        self.head.len() + self.tail.len() + self.name.len() + self.namespace.as_ref().map_or(0, String::len)
    }
}

type Key = (Option<String>, String);

/// The ready rows of one kind, ordered by namespace then name (the lists' default order).
#[derive(Default)]
pub struct RowIndex {
    live: RwLock<BTreeMap<Key, Arc<ReadyRow>>>,
}

impl RowIndex {
    pub fn new() -> RowIndex {
        RowIndex::default()
    }

    pub fn put(&self, row: ReadyRow) {
        let key = (row.namespace.clone(), row.name.clone());
        self.live.write().expect("rows lock").insert(key, Arc::new(row));
    }

    pub fn remove(&self, namespace: Option<&str>, name: &str) {
        let key = (namespace.map(str::to_string), name.to_string());
        self.live.write().expect("rows lock").remove(&key);
    }

    /// Replaces every row at once (the end of a relist).
    pub fn replace(&self, rows: BTreeMap<Key, Arc<ReadyRow>>) {
        *self.live.write().expect("rows lock") = rows;
    }

    /// A map for [`RowIndex::replace`], filled while a relist runs.
    pub fn staging() -> Staging {
        Staging(BTreeMap::new())
    }

    pub fn len(&self) -> usize {
        self.live.read().expect("rows lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn bytes(&self) -> usize {
        self.live.read().expect("rows lock").values().map(|r| r.bytes()).sum()
    }

    /// The rows `keep` accepts, in namespace/name order; only the namespace's rows are visited
    /// when `namespace` is given.
    pub fn select(&self, namespace: Option<&str>, keep: impl Fn(&ReadyRow) -> bool) -> Vec<Arc<ReadyRow>> {
        let live = self.live.read().expect("rows lock");
        match namespace {
            Some(ns) => live
                .range((Some(ns.to_string()), String::new())..)
                .take_while(|((n, _), _)| n.as_deref() == Some(ns))
                .filter(|(_, r)| keep(r))
                .map(|(_, r)| r.clone())
                .collect(),
            None => live.values().filter(|r| keep(r)).cloned().collect(),
        }
    }
}

/// Rows gathered during a relist, swapped in when it is done.
pub struct Staging(BTreeMap<Key, Arc<ReadyRow>>);

impl Staging {
    pub fn put(&mut self, row: ReadyRow) {
        self.0.insert((row.namespace.clone(), row.name.clone()), Arc::new(row));
    }

    pub fn finish(self, index: &RowIndex) {
        index.replace(self.0);
    }
}

/// Writes `{"items":[rows…],` then `rest`'s fields: the bytes serde writes for a struct whose
/// first field is `items` and whose other fields `rest` serialises (in order).
pub fn write_list(
    rows: &[Arc<ReadyRow>],
    now: i64,
    rest: &impl serde::Serialize,
) -> Result<Vec<u8>, serde_json::Error> {
    let rest = serde_json::to_vec(rest)?;
    let guess = rows.iter().map(|r| r.head.len() + r.tail.len() + 8).sum::<usize>();
    let mut out = Vec::with_capacity(guess + rest.len() + 16);
    out.extend_from_slice(b"{\"items\":[");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        r.write(&mut out, now);
    }
    out.push(b']');
    match rest.as_slice() {
        b"{}" => out.push(b'}'),
        r => {
            out.push(b',');
            out.extend_from_slice(&r[1..]);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(name: &str, namespace: Option<&str>, created: Option<&str>, columns: Value) -> Row {
        Row {
            name: name.into(),
            namespace: namespace.map(str::to_string),
            created: created.map(str::to_string),
            age: String::new(),
            columns: columns.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn a_ready_row_writes_the_bytes_serde_writes_for_the_row() {
        let now = 1_800_000_000;
        let cases = [
            row(
                "web-1",
                Some("shop"),
                Some("2026-01-01T00:00:00Z"),
                json!({"ready": "1/1", "restarts": 3, "ip": "10.0.0.1", "node": "n\"1"}),
            ),
            row("node-a", None, None, json!({})),
            row(
                "ünïcode\n",
                Some("ns"),
                Some("x"),
                json!({"nested": {"a": [1, null]}, "ok": true}),
            ),
        ];
        for (i, r) in cases.iter().enumerate() {
            let from = (i != 1).then_some(now - 330);
            let mut expected = r.clone();
            expected.age = from.map(|f| short_duration(now - f)).unwrap_or_default();
            let ready = ReadyRow::new(r, from);
            let mut out = Vec::new();
            ready.write(&mut out, now);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&expected).unwrap()
            );
            let back = ready.to_row(now);
            assert_eq!(
                serde_json::to_value(&back).unwrap(),
                serde_json::to_value(&expected).unwrap()
            );
        }
    }

    #[test]
    fn the_index_keeps_namespace_name_order_and_selects_one_namespace() {
        let idx = RowIndex::new();
        for (ns, name) in [
            (Some("b"), "x"),
            (Some("a"), "z"),
            (None, "n"),
            (Some("a"), "y"),
            (Some("ab"), "q"),
        ] {
            idx.put(ReadyRow::new(&row(name, ns, None, json!({})), None));
        }
        let names = |v: Vec<Arc<ReadyRow>>| v.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(idx.select(None, |_| true)), ["n", "y", "z", "q", "x"]);
        assert_eq!(names(idx.select(Some("a"), |_| true)), ["y", "z"]);
        assert_eq!(names(idx.select(Some("a"), |r| r.name != "y")), ["z"]);
        idx.remove(Some("a"), "y");
        assert_eq!(names(idx.select(Some("a"), |_| true)), ["z"]);
        let mut s = RowIndex::staging();
        s.put(ReadyRow::new(&row("only", Some("c"), None, json!({})), None));
        s.finish(&idx);
        assert_eq!(names(idx.select(None, |_| true)), ["only"]);
    }

    #[test]
    fn a_written_list_is_the_json_of_items_then_the_rest() {
        #[derive(serde::Serialize)]
        struct Rest {
            total: usize,
            #[serde(rename = "continue")]
            continue_: Option<String>,
        }
        let rows = vec![
            Arc::new(ReadyRow::new(&row("a", Some("n"), None, json!({"k": 1})), None)),
            Arc::new(ReadyRow::new(&row("b", Some("n"), None, json!({})), None)),
        ];
        let body = write_list(
            &rows,
            0,
            &Rest {
                total: 5,
                continue_: Some("2".into()),
            },
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            json!({"items": [{"name": "a", "namespace": "n", "created": null, "age": "", "k": 1},
                             {"name": "b", "namespace": "n", "created": null, "age": ""}],
                   "total": 5, "continue": "2"})
        );
        assert_eq!(
            String::from_utf8(write_list(&[], 0, &json!({})).unwrap()).unwrap(),
            "{\"items\":[]}"
        );
    }
}
