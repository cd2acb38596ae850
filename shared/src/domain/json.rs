//! JSON number rules of request bodies, shared by every input type.

/// Deserializes an integer field of a JSON body, also when it is written with a zero fraction
/// (`450.0`): JSON has one number type, and JSON Schema's `integer`, which the OpenAPI document
/// declares these fields as, is any number without a fractional part. `450.5` and numbers out of
/// `T`'s range stay errors (400 VALIDATION_FAILED).
pub fn integer<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::de::Error;
    let n = <serde_json::Number as serde::Deserialize>::deserialize(d)?;
    let out_of_range = || D::Error::custom(format!("{n} is out of range"));
    if let Some(i) = n.as_i64() {
        return T::try_from(i).map_err(|_| out_of_range());
    }
    if let Some(u) = n.as_u64() {
        return T::try_from(u).map_err(|_| out_of_range());
    }
    match n.as_f64() {
        // The casts are exact: a float without a fraction inside the bounds is an integer there.
        Some(f) if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) => {
            T::try_from(f as i64).map_err(|_| out_of_range())
        }
        Some(f) if f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f) => {
            T::try_from(f as u64).map_err(|_| out_of_range())
        }
        Some(f) if f.fract() == 0.0 => Err(out_of_range()),
        _ => Err(D::Error::custom(format!("invalid type: floating point `{n}`, expected an integer"))),
    }
}

/// [`integer`] for an optional field (`null` or absent: `None`; absent needs `#[serde(default)]`).
pub fn integer_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    #[derive(serde::Deserialize)]
    struct Wrapped<T: TryFrom<i64> + TryFrom<u64>>(#[serde(deserialize_with = "integer")] T);
    Ok(<Option<Wrapped<T>> as serde::Deserialize>::deserialize(d)?.map(|Wrapped(v)| v))
}
