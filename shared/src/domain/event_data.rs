//! The `data` of an event: a JSON object, encoded once when it is published and kept as that
//! text. Every delivery, every store and every view then copies text (or shares it), never
//! a tree of values, and the bytes receivers get are the bytes that were stored.

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Always the compact JSON text of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventData(Arc<str>);

#[derive(Debug, thiserror::Error)]
#[error("must be a JSON object")]
pub struct NotAnObject;

impl EventData {
    /// Encodes `data`, which must be an object.
    pub fn from_object(data: &Value) -> Result<Self, NotAnObject> {
        match data {
            Value::Object(map) => Ok(Self::from_map(map)),
            _ => Err(NotAnObject),
        }
    }

    pub fn from_map(map: &Map<String, Value>) -> Self {
        // Writing a map of JSON values to a string cannot fail (its keys are strings).
        Self(
            serde_json::to_string(map)
                .unwrap_or_else(|_| "{}".to_owned())
                .into(),
        )
    }

    /// The compact JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its length as JSON, in bytes.
    pub fn encoded_len(&self) -> usize {
        self.0.len()
    }
}

impl serde::Serialize for EventData {
    /// As the JSON object itself (serde_json writes the text as it is).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue =
            serde_json::from_str(self.as_str()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for EventData {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        if !raw.get().starts_with('{') {
            return Err(serde::de::Error::custom(NotAnObject));
        }
        Ok(Self(Box::<str>::from(raw).into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_objects_are_event_data() {
        assert!(EventData::from_object(&json!([1])).is_err());
        assert!(EventData::from_object(&json!("x")).is_err());
        assert!(serde_json::from_str::<EventData>("[1]").is_err());
        assert!(serde_json::from_str::<EventData>("{}").is_ok());
    }

    #[test]
    fn is_encoded_once_and_read_back_as_the_same_text() {
        let data = EventData::from_object(&json!({"b": 1, "a": [1.5, "x"], "n": null})).unwrap();
        assert_eq!(data.as_str(), r#"{"b":1,"a":[1.5,"x"],"n":null}"#);
        let stored = serde_json::to_string(&json!({ "data": data })).unwrap();
        assert_eq!(stored, r#"{"data":{"b":1,"a":[1.5,"x"],"n":null}}"#);
        #[derive(serde::Deserialize)]
        struct Doc {
            data: EventData,
        }
        let read: Doc = serde_json::from_str(&stored).unwrap();
        assert_eq!(read.data, data);
        assert_eq!(
            serde_json::from_str::<Value>(read.data.as_str()).unwrap(),
            json!({"b": 1, "a": [1.5, "x"], "n": null})
        );
    }
}
