//! The value of one of an event's `fields`: a JSON value whose strings cost no allocation when
//! short.
//!
//! Most field values are short strings (a level, a class, a command, a database's name); as a
//! `serde_json::Value` each would be a heap allocation, made and freed for every event. A
//! [`FieldValue`] holds a string as a [`CompactString`] (inline up to 24 bytes, a heap buffer
//! beyond), and any other JSON value as the `serde_json::Value` it is. It serializes, prints and
//! compares as the `serde_json::Value` it stands for, and has that type's readers (`as_str`,
//! `as_u64`...), so that code reading fields need not know the difference.

use std::borrow::Cow;
use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// A JSON value held as the value of a field: see the module's comment.
#[derive(Clone, PartialEq)]
pub struct FieldValue(Repr);

/// A value's two forms. A string is always `Str`, never `Json(Value::String)`: each value has
/// one form, so that the derived equality is equality of the JSON values.
#[derive(Clone, PartialEq)]
enum Repr {
    Str(CompactString),
    Json(Value),
}

/// A [`FieldValue`] read in place: a string, or any other JSON value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldRef<'a> {
    Str(&'a str),
    /// Never a `Value::String` (that is `Str`).
    Json(&'a Value),
}

impl FieldValue {
    /// The JSON `null`.
    pub const NULL: FieldValue = FieldValue(Repr::Json(Value::Null));

    /// The value read in place, for a `match`.
    pub fn view(&self) -> FieldRef<'_> {
        match &self.0 {
            Repr::Str(s) => FieldRef::Str(s.as_str()),
            Repr::Json(v) => FieldRef::Json(v),
        }
    }

    /// The value as a `serde_json::Value` (a copy).
    pub fn to_json(&self) -> Value {
        self.clone().into_json()
    }

    /// The value as a `serde_json::Value`.
    pub fn into_json(self) -> Value {
        match self.0 {
            Repr::Str(s) => Value::String(s.into_string()),
            Repr::Json(v) => v,
        }
    }

    /// The JSON value other than a string, if it is not one.
    pub fn as_json(&self) -> Option<&Value> {
        match &self.0 {
            Repr::Str(_) => None,
            Repr::Json(v) => Some(v),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::Str(s) => Some(s.as_str()),
            Repr::Json(_) => None,
        }
    }

    /// Appends `s` to a string value; `false` (and nothing done) when the value is not a string.
    pub fn push_str(&mut self, s: &str) -> bool {
        match &mut self.0 {
            Repr::Str(x) => {
                x.push_str(s);
                true
            }
            Repr::Json(_) => false,
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self.0, Repr::Str(_))
    }

    pub fn is_null(&self) -> bool {
        self.as_json().is_some_and(Value::is_null)
    }

    pub fn is_number(&self) -> bool {
        self.as_json().is_some_and(Value::is_number)
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_json().and_then(Value::as_u64)
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_json().and_then(Value::as_i64)
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_json().and_then(Value::as_f64)
    }

    pub fn as_bool(&self) -> Option<bool> {
        self.as_json().and_then(Value::as_bool)
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        self.as_json().and_then(Value::as_array)
    }

    pub fn as_object(&self) -> Option<&Map<String, Value>> {
        self.as_json().and_then(Value::as_object)
    }
}

impl Default for FieldValue {
    fn default() -> FieldValue {
        FieldValue::NULL
    }
}

impl fmt::Debug for FieldValue {
    /// As the `serde_json::Value`'s: `String("x")`, `Number(7)`...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Str(s) => write!(f, "String({:?})", s.as_str()),
            Repr::Json(v) => fmt::Debug::fmt(v, f),
        }
    }
}

impl fmt::Display for FieldValue {
    /// The JSON text, as the `serde_json::Value`'s (`{:#}` pretty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Str(s) => {
                let quoted = serde_json::to_string(s.as_str()).map_err(|_| fmt::Error)?;
                f.write_str(&quoted)
            }
            Repr::Json(v) => fmt::Display::fmt(v, f),
        }
    }
}

impl Serialize for FieldValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Str(x) => s.serialize_str(x.as_str()),
            Repr::Json(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FieldValue, D::Error> {
        Ok(FieldValue::from(Value::deserialize(d)?))
    }
}

impl From<Value> for FieldValue {
    fn from(v: Value) -> FieldValue {
        match v {
            Value::String(s) => FieldValue(Repr::Str(CompactString::from(s))),
            v => FieldValue(Repr::Json(v)),
        }
    }
}

impl From<FieldValue> for Value {
    fn from(v: FieldValue) -> Value {
        v.into_json()
    }
}

impl From<&FieldValue> for Value {
    fn from(v: &FieldValue) -> Value {
        v.to_json()
    }
}

impl From<&str> for FieldValue {
    #[inline]
    fn from(s: &str) -> FieldValue {
        FieldValue(Repr::Str(CompactString::from(s)))
    }
}

impl From<&String> for FieldValue {
    fn from(s: &String) -> FieldValue {
        FieldValue::from(s.as_str())
    }
}

impl From<String> for FieldValue {
    /// Short strings are moved inline (the buffer freed), long ones keep their buffer.
    fn from(s: String) -> FieldValue {
        FieldValue(Repr::Str(CompactString::from(s)))
    }
}

impl From<Cow<'_, str>> for FieldValue {
    fn from(s: Cow<'_, str>) -> FieldValue {
        match s {
            Cow::Borrowed(b) => FieldValue::from(b),
            Cow::Owned(o) => FieldValue::from(o),
        }
    }
}

impl From<CompactString> for FieldValue {
    fn from(s: CompactString) -> FieldValue {
        FieldValue(Repr::Str(s))
    }
}

/// Conversions that never give a string: through `serde_json::Value`'s own.
macro_rules! via_json {
    ($($t:ty),*) => {
        $(
            impl From<$t> for FieldValue {
                #[inline]
                fn from(x: $t) -> FieldValue {
                    FieldValue(Repr::Json(Value::from(x)))
                }
            }
        )*
    };
}

via_json!(
    bool,
    u8,
    u16,
    u32,
    u64,
    usize,
    i8,
    i16,
    i32,
    i64,
    isize,
    f32,
    f64,
    Number,
    Map<String, Value>,
    ()
);

impl<T: Into<Value>> From<Vec<T>> for FieldValue {
    fn from(v: Vec<T>) -> FieldValue {
        FieldValue(Repr::Json(Value::from(v)))
    }
}

impl PartialEq<Value> for FieldValue {
    fn eq(&self, other: &Value) -> bool {
        match (&self.0, other) {
            (Repr::Str(s), Value::String(o)) => s.as_str() == o.as_str(),
            (Repr::Json(v), o) => v == o,
            _ => false,
        }
    }
}

impl PartialEq<FieldValue> for Value {
    fn eq(&self, other: &FieldValue) -> bool {
        other == self
    }
}

impl PartialEq<str> for FieldValue {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for FieldValue {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

/// Comparisons with plain values, as `serde_json::Value` has them.
macro_rules! eq_via_json {
    ($($t:ty),*) => {
        $(
            impl PartialEq<$t> for FieldValue {
                fn eq(&self, other: &$t) -> bool {
                    self.as_json().is_some_and(|v| v == other)
                }
            }
        )*
    };
}

eq_via_json!(
    bool, u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64
);

impl PartialEq<String> for FieldValue {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

/// The `null` that indexing gives where there is nothing, as `serde_json::Value`'s does.
static NULL: Value = Value::Null;

impl<I: serde_json::value::Index> std::ops::Index<I> for FieldValue {
    type Output = Value;

    /// As `serde_json::Value`'s indexing: `null` where there is no such member or element
    /// (always so for a string).
    fn index(&self, index: I) -> &Value {
        match &self.0 {
            Repr::Str(_) => &NULL,
            Repr::Json(v) => &v[index],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FieldValue;
    use serde_json::{Value, json};

    #[test]
    fn serializes_prints_and_compares_as_the_json_value() {
        let long = "a string longer than twenty-four bytes, \"quoted\"\n";
        for v in [
            json!("SESSION"),
            json!(long),
            json!(""),
            json!("档案"),
            json!(7),
            json!(-3),
            json!(1.5),
            json!(null),
            json!(true),
            json!([1, "x", {"k": "v"}]),
            json!({"b": 1, "a": ["z"]}),
        ] {
            let f = FieldValue::from(v.clone());
            assert_eq!(serde_json::to_string(&f).unwrap(), v.to_string());
            assert_eq!(f.to_string(), v.to_string());
            assert_eq!(format!("{f:#}"), format!("{v:#}"));
            assert_eq!(format!("{f:?}"), format!("{v:?}"));
            assert_eq!(f, v);
            assert_eq!(f.to_json(), v);
            assert_eq!(f.as_str(), v.as_str());
            assert_eq!(f.as_u64(), v.as_u64());
            assert_eq!(f.as_f64(), v.as_f64());
            let back: FieldValue = serde_json::from_str(&v.to_string()).unwrap();
            assert_eq!(back, f);
        }
        assert_eq!(FieldValue::from("x"), FieldValue::from(String::from("x")));
        assert_eq!(FieldValue::from(f64::NAN), Value::Null);
        assert_ne!(FieldValue::from("7"), FieldValue::from(7));
    }
}
