//! Query strings and form bodies as OAuth reads them: a parameter may appear once.

/// Decoded `name=value` pairs, in order.
#[derive(Clone, Debug, Default)]
pub struct Params(Vec<(String, String)>);

/// A parameter appeared more than once (RFC 6749 §3.1, §3.2).
#[derive(Debug, PartialEq, Eq)]
pub struct Repeated(pub String);

/// The most parameters an OAuth request may have. The largest the practice server reads
/// has about a dozen; a request with more is no OAuth client's, and refusing it keeps the
/// work on it small.
pub const MAX_PARAMS: usize = 50;

/// A request with more than [`MAX_PARAMS`] parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct TooMany;

impl std::fmt::Display for TooMany {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "The request has more than {MAX_PARAMS} parameters, the most the practice server reads.")
    }
}

impl Params {
    /// The pairs of a query string or form body; refused past [`MAX_PARAMS`], before the
    /// rest is decoded.
    pub fn parse(raw: &[u8]) -> Result<Self, TooMany> {
        let mut pairs = Vec::new();
        for (k, v) in form_urlencoded::parse(raw) {
            if pairs.len() == MAX_PARAMS {
                return Err(TooMany);
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Self(pairs))
    }

    /// The value of `name`: `Ok(None)` when absent or empty, `Err` when repeated.
    pub fn get(&self, name: &str) -> Result<Option<&str>, Repeated> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(Repeated(name.to_owned()));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    /// The first parameter that appears more than once (one pass).
    pub fn repeated(&self) -> Option<&str> {
        let mut seen = std::collections::HashSet::with_capacity(self.0.len());
        self.0.iter().map(|(k, _)| k.as_str()).find(|k| !seen.insert(*k))
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_may_appear_only_once() {
        let p = Params::parse(b"a=1&b=&c=x+y&a=2").expect("params");
        assert_eq!(p.get("a"), Err(Repeated("a".into())));
        assert_eq!(p.get("b"), Ok(None));
        assert_eq!(p.get("c"), Ok(Some("x y")));
        assert_eq!(p.get("d"), Ok(None));
        assert_eq!(p.repeated(), Some("a"));
        assert_eq!(Params::parse(b"a=1&b=2").map(|p| p.repeated().is_none()), Ok(true));
        assert_eq!(
            Params::parse(b"b=1&a=2&c=3&a=4&b=5").expect("params").repeated(),
            Some("a"),
            "the first repeat"
        );
    }

    #[test]
    fn more_than_fifty_parameters_are_refused_and_the_message_names_the_limit() {
        let at_most = (0..MAX_PARAMS).map(|i| format!("p{i}=x")).collect::<Vec<_>>().join("&");
        assert!(Params::parse(at_most.as_bytes()).is_ok());
        let over = format!("{at_most}&one=more");
        assert_eq!(Params::parse(over.as_bytes()).err(), Some(TooMany));
        assert!(TooMany.to_string().contains("more than 50 parameters"));
        // 16 000 parameters cost no more than 51 decoded ones.
        let flood = "a=1&".repeat(16_000);
        assert_eq!(Params::parse(flood.as_bytes()).err(), Some(TooMany));
    }
}
