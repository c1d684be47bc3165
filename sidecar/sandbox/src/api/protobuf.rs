//! Request bodies in the Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`),
//! which kubectl's typed clients send for `kubectl create secret|configmap|namespace|
//! serviceaccount` and `kubectl auth can-i` (it does not fall back to JSON on a 415: client-go
//! retries with JSON only after a 415 to CBOR). A body is the 4-byte magic `k8s\0` and a
//! `runtime.Unknown` (typeMeta, raw, contentEncoding, contentType) whose `raw` is the object's
//! message. The kinds below are decoded with their field numbers from Kubernetes' generated.proto
//! (k8s.io/api, k8s.io/apimachinery) into the JSON the rest of the server handles. Other kinds get
//! 415 with the list of what is accepted; an unknown field of a known kind is a 400, never
//! dropped.

use serde_json::{Map, Value, json};

use crate::status::ApiError;

const MAGIC: &[u8] = b"k8s\0";

/// Go's protobuf encoding writes non-pointer scalars even when zero, where its JSON (omitempty)
/// leaves them out: `Str` and `Int` drop zero values so the JSON is what a JSON client sends
/// (and defaulting applies, e.g. a Secret's empty type becomes Opaque). Pointer fields (`Bool`,
/// `IntPtr`) are written only when set, so their zero values are kept.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    Bool,
    Int,
    IntPtr,
    /// metav1.Time {seconds, nanos}: RFC 3339 in JSON, null when zero.
    Time,
    Msg(&'static [Field]),
    MapStr,
    /// map<string, bytes>: values in base64, as Kubernetes' JSON encodes []byte.
    MapBytes,
}

struct Field {
    num: u64,
    name: &'static str,
    ty: Ty,
    repeated: bool,
}

const fn f(num: u64, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: false,
    }
}

const fn list(num: u64, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: true,
    }
}

const OWNER_REFERENCE: &[Field] = &[
    f(1, "kind", Ty::Str),
    f(3, "name", Ty::Str),
    f(4, "uid", Ty::Str),
    f(5, "apiVersion", Ty::Str),
    f(6, "controller", Ty::Bool),
    f(7, "blockOwnerDeletion", Ty::Bool),
];

const OBJECT_META: &[Field] = &[
    f(1, "name", Ty::Str),
    f(2, "generateName", Ty::Str),
    f(3, "namespace", Ty::Str),
    f(4, "selfLink", Ty::Str),
    f(5, "uid", Ty::Str),
    f(6, "resourceVersion", Ty::Str),
    f(7, "generation", Ty::Int),
    f(8, "creationTimestamp", Ty::Time),
    f(9, "deletionTimestamp", Ty::Time),
    f(10, "deletionGracePeriodSeconds", Ty::IntPtr),
    f(11, "labels", Ty::MapStr),
    f(12, "annotations", Ty::MapStr),
    list(13, "ownerReferences", Ty::Msg(OWNER_REFERENCE)),
    list(14, "finalizers", Ty::Str),
];

const SECRET: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "data", Ty::MapBytes),
    f(3, "type", Ty::Str),
    f(4, "stringData", Ty::MapStr),
    f(5, "immutable", Ty::Bool),
];

const CONFIG_MAP: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "data", Ty::MapStr),
    f(3, "binaryData", Ty::MapBytes),
    f(4, "immutable", Ty::Bool),
];

const NAMESPACE: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(&[list(1, "finalizers", Ty::Str)])),
    f(3, "status", Ty::Msg(&[f(1, "phase", Ty::Str)])),
];

const OBJECT_REFERENCE: &[Field] = &[
    f(1, "kind", Ty::Str),
    f(2, "namespace", Ty::Str),
    f(3, "name", Ty::Str),
    f(4, "uid", Ty::Str),
    f(5, "apiVersion", Ty::Str),
    f(6, "resourceVersion", Ty::Str),
    f(7, "fieldPath", Ty::Str),
];

const SERVICE_ACCOUNT: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    list(2, "secrets", Ty::Msg(OBJECT_REFERENCE)),
    list(3, "imagePullSecrets", Ty::Msg(&[f(1, "name", Ty::Str)])),
    f(4, "automountServiceAccountToken", Ty::Bool),
];

const RESOURCE_ATTRIBUTES: &[Field] = &[
    f(1, "namespace", Ty::Str),
    f(2, "verb", Ty::Str),
    f(3, "group", Ty::Str),
    f(4, "version", Ty::Str),
    f(5, "resource", Ty::Str),
    f(6, "subresource", Ty::Str),
    f(7, "name", Ty::Str),
];

const SELF_SUBJECT_ACCESS_REVIEW: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Ty::Msg(&[
            f(1, "resourceAttributes", Ty::Msg(RESOURCE_ATTRIBUTES)),
            f(
                2,
                "nonResourceAttributes",
                Ty::Msg(&[f(1, "path", Ty::Str), f(2, "verb", Ty::Str)]),
            ),
        ]),
    ),
    f(
        3,
        "status",
        Ty::Msg(&[
            f(1, "allowed", Ty::Bool),
            f(2, "reason", Ty::Str),
            f(3, "evaluationError", Ty::Str),
            f(4, "denied", Ty::Bool),
        ]),
    ),
];

/// (apiVersion, kind, message): the kinds whose protobuf bodies the sandbox reads.
const KINDS: &[(&str, &str, &[Field])] = &[
    ("v1", "Secret", SECRET),
    ("v1", "ConfigMap", CONFIG_MAP),
    ("v1", "Namespace", NAMESPACE),
    ("v1", "ServiceAccount", SERVICE_ACCOUNT),
    (
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        SELF_SUBJECT_ACCESS_REVIEW,
    ),
];

/// Whether a Content-Type names the Kubernetes protobuf encoding.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type.split(';').next().unwrap_or("").trim() == "application/vnd.kubernetes.protobuf"
}

/// The real server's 415 for a body it cannot read; for the kinds not listed above, protobuf is
/// not among what the sandbox reads.
fn unsupported() -> ApiError {
    ApiError::unsupported_media_type(&["application/json", "application/yaml"])
}

fn malformed(why: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!(
        "the body of the request could not be decoded as protobuf: {why}"
    ))
}

/// The JSON object a protobuf request body encodes.
pub fn to_json(body: &[u8]) -> Result<Value, ApiError> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| malformed("missing the k8s\\0 prefix"))?;
    let mut type_meta = (String::new(), String::new());
    let mut raw: &[u8] = &[];
    let mut encoding = String::new();
    for item in Fields(Reader { buf: rest }) {
        let (num, value) = item?;
        match (num, value) {
            (1, Wire::Len(b)) => {
                for item in Fields(Reader { buf: b }) {
                    match item? {
                        (1, Wire::Len(s)) => type_meta.0 = utf8(s)?,
                        (2, Wire::Len(s)) => type_meta.1 = utf8(s)?,
                        (n, _) => return Err(malformed(format!("unexpected field {n} in TypeMeta"))),
                    }
                }
            }
            (2, Wire::Len(b)) => raw = b,
            (3, Wire::Len(s)) => encoding = utf8(s)?,
            (4, Wire::Len(_)) => {}
            (n, _) => return Err(malformed(format!("unexpected field {n} in runtime.Unknown"))),
        }
    }
    if !encoding.is_empty() {
        return Err(unsupported());
    }
    let (api_version, kind) = type_meta;
    let Some((_, _, schema)) = KINDS.iter().find(|(v, k, _)| *v == api_version && *k == kind) else {
        return Err(unsupported());
    };
    let mut obj = message(raw, schema, &kind)?;
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    Ok(Value::Object(obj))
}

fn utf8(b: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(b.to_vec()).map_err(|_| malformed("a string is not UTF-8"))
}

fn message(buf: &[u8], schema: &[Field], what: &str) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for item in Fields(Reader { buf }) {
        let (num, wire) = item?;
        let field = schema
            .iter()
            .find(|f| f.num == num)
            .ok_or_else(|| malformed(format!("field {num} of {what} is not supported by the sandbox")))?;
        let value = match (field.ty, wire) {
            (Ty::Str, Wire::Len([])) | (Ty::Int, Wire::Varint(0)) => continue,
            (Ty::Str, Wire::Len(b)) => json!(utf8(b)?),
            (Ty::Bool, Wire::Varint(v)) => json!(v != 0),
            (Ty::Int | Ty::IntPtr, Wire::Varint(v)) => json!(v as i64),
            (Ty::Time, Wire::Len(b)) => time(b)?,
            (Ty::Msg(inner), Wire::Len(b)) => Value::Object(message(b, inner, field.name)?),
            (Ty::MapStr | Ty::MapBytes, Wire::Len(b)) => {
                let (k, v) = map_entry(b, matches!(field.ty, Ty::MapBytes))?;
                out.entry(field.name)
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .ok_or_else(|| malformed("map field repeated as a scalar"))?
                    .insert(k, v);
                continue;
            }
            _ => {
                return Err(malformed(format!(
                    "field {} of {what} has the wrong wire type",
                    field.name
                )));
            }
        };
        if field.repeated {
            out.entry(field.name)
                .or_insert_with(|| json!([]))
                .as_array_mut()
                .ok_or_else(|| malformed("list field repeated as a scalar"))?
                .push(value);
        } else {
            out.insert(field.name.into(), value);
        }
    }
    Ok(out)
}

fn map_entry(buf: &[u8], bytes: bool) -> Result<(String, Value), ApiError> {
    let (mut key, mut value) = (String::new(), json!(""));
    for item in Fields(Reader { buf }) {
        match item? {
            (1, Wire::Len(b)) => key = utf8(b)?,
            (2, Wire::Len(b)) => value = if bytes { json!(base64(b)) } else { json!(utf8(b)?) },
            (n, _) => return Err(malformed(format!("unexpected field {n} in a map entry"))),
        }
    }
    Ok((key, value))
}

fn time(buf: &[u8]) -> Result<Value, ApiError> {
    let (mut seconds, mut nanos) = (0i64, 0u32);
    for item in Fields(Reader { buf }) {
        match item? {
            (1, Wire::Varint(v)) => seconds = v as i64,
            (2, Wire::Varint(v)) => nanos = v as u32,
            (n, _) => return Err(malformed(format!("unexpected field {n} in a Time"))),
        }
    }
    if seconds == 0 && nanos == 0 {
        return Ok(Value::Null);
    }
    let t = chrono::DateTime::from_timestamp(seconds, nanos).ok_or_else(|| malformed("a Time is out of range"))?;
    Ok(json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
}

fn base64(b: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &x)| n | (u32::from(x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One field's value on the wire.
enum Wire<'a> {
    Varint(u64),
    Len(&'a [u8]),
    Fixed,
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ApiError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.buf.split_first().ok_or_else(|| malformed("truncated varint"))?;
            self.buf = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(malformed("varint too long"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ApiError> {
        if n > self.buf.len() {
            return Err(malformed("truncated field"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
}

/// The (field number, value) pairs of one message, in order.
struct Fields<'a>(Reader<'a>);

impl<'a> Fields<'a> {
    fn field(&mut self) -> Result<(u64, Wire<'a>), ApiError> {
        let key = self.0.varint()?;
        let wire = match key & 7 {
            0 => Wire::Varint(self.0.varint()?),
            1 => {
                self.0.take(8)?;
                Wire::Fixed
            }
            2 => {
                let n = usize::try_from(self.0.varint()?).map_err(|_| malformed("length too large"))?;
                Wire::Len(self.0.take(n)?)
            }
            5 => {
                self.0.take(4)?;
                Wire::Fixed
            }
            t => return Err(malformed(format!("unsupported wire type {t}"))),
        };
        Ok((key >> 3, wire))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Wire<'a>), ApiError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.buf.is_empty() {
            return None;
        }
        let item = self.field();
        if item.is_err() {
            // Stop after an error: what follows it cannot be read.
            self.0.buf = &[];
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn len(num: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint((num << 3) | 2, &mut out);
        varint(payload.len() as u64, &mut out);
        out.extend_from_slice(payload);
        out
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [len(1, api_version.as_bytes()), len(2, kind.as_bytes())].concat();
        [MAGIC.to_vec(), len(1, &type_meta), len(2, raw)].concat()
    }

    #[test]
    fn a_secret_decodes_to_its_json() {
        let meta = [
            len(1, b"db"),
            len(3, b"shop"),
            len(8, &[]),
            len(11, &[len(1, b"app"), len(2, b"db")].concat()),
        ]
        .concat();
        let raw = [
            len(1, &meta),
            len(2, &[len(1, b"password"), len(2, b"s3cr3t!")].concat()),
            len(2, &[len(1, b"user"), len(2, b"admin")].concat()),
            len(3, b"Opaque"),
        ]
        .concat();
        let v = to_json(&envelope("v1", "Secret", &raw)).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                   "metadata": {"name": "db", "namespace": "shop", "creationTimestamp": null, "labels": {"app": "db"}},
                   "data": {"password": "czNjcjN0IQ==", "user": "YWRtaW4="}})
        );
    }

    #[test]
    fn repeated_fields_times_and_booleans() {
        let owner = [len(1, b"Deployment"), len(3, b"web"), vec![6 << 3, 1]].concat();
        let mut time = vec![1 << 3];
        varint(1_764_064_800, &mut time);
        let meta = [
            len(1, b"web-sa"),
            len(8, &time),
            len(13, &owner),
            len(14, b"a"),
            len(14, b"b"),
        ]
        .concat();
        let raw = [
            len(1, &meta),
            len(3, &len(1, b"pull")),
            len(3, &len(1, b"pull2")),
            vec![4 << 3, 0],
        ]
        .concat();
        let v = to_json(&envelope("v1", "ServiceAccount", &raw)).unwrap();
        assert_eq!(v["metadata"]["creationTimestamp"], "2025-11-25T10:00:00Z");
        assert_eq!(
            v["metadata"]["ownerReferences"],
            json!([{"kind": "Deployment", "name": "web", "controller": true}])
        );
        assert_eq!(v["metadata"]["finalizers"], json!(["a", "b"]));
        assert_eq!(v["imagePullSecrets"], json!([{"name": "pull"}, {"name": "pull2"}]));
        assert_eq!(v["automountServiceAccountToken"], false);
    }

    #[test]
    fn zero_scalars_are_left_out_as_json_leaves_them_out() {
        let meta = [len(1, b"x"), vec![7 << 3, 0], vec![10 << 3, 0]].concat();
        let raw = [len(1, &meta), len(3, b""), vec![5 << 3, 0]].concat();
        let v = to_json(&envelope("v1", "Secret", &raw)).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": "v1", "kind": "Secret", "immutable": false,
                   "metadata": {"name": "x", "deletionGracePeriodSeconds": 0}})
        );
    }

    #[test]
    fn other_kinds_get_415_and_unknown_fields_400() {
        let e = to_json(&envelope("apps/v1", "Deployment", &[])).unwrap_err();
        assert_eq!(e.code, 415);
        let e = to_json(&envelope("v1", "ConfigMap", &len(9, b"x"))).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(to_json(b"{\"kind\":\"Secret\"}").is_err());
        assert!(to_json(&[MAGIC, &[0x0a, 0x05, 0x0a]].concat()).is_err(), "truncated");
    }

    #[test]
    fn base64_pads_like_go() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }
}
