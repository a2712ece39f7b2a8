//! jose's `jwtVerify` options, typed, and its duration strings.

use super::error::JoseError;
use std::time::{SystemTime, UNIX_EPOCH};

/// Options of jose's `jwtVerify`, already type-checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifyOptions {
    pub algorithms: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub issuer: Option<Vec<String>>,
    pub subject: Option<String>,
    pub clock_tolerance: f64,
    pub max_token_age: Option<f64>,
    pub required_claims: Vec<String>,
    pub typ: Option<String>,
    /// Milliseconds since the epoch; `None` means now.
    pub current_date_ms: Option<f64>,
    pub crit: Vec<(String, bool)>,
    /// `maxTokenAge` was given (valid or not): `iat` must be present.
    pub requires_iat: bool,
    /// Options jose would reject, each at the step where its TypeError is thrown: a token is
    /// then refused (fail closed), with the errors of the earlier steps still reported first.
    pub invalid: Vec<(CheckStep, String)>,
}

/// The step of jose's checks at which an invalid option makes it throw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckStep {
    /// `algorithms` (before the signature).
    #[default]
    Algorithms,
    /// `requiredClaims` (before the presence checks).
    Presence,
    /// `audience` (at the `aud` comparison).
    Audience,
    /// `clockTolerance`, `currentDate` (before the time checks).
    Clock,
    /// `maxTokenAge` (after `nbf` and `exp`).
    MaxTokenAge,
}

/// jose's `secs()`: `'30s'`, `'5 minutes'`, `'-1h'`, `'2 days ago'`…
pub fn duration_seconds(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut sign = 1.0;
    if let Some(r) = rest.strip_prefix('-') {
        sign = -1.0;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    let signed = rest.len() != lower.len();
    rest = rest.strip_prefix(' ').unwrap_or(rest);
    let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let number = &rest[..number_end];
    let valid_number = {
        let mut parts = number.split('.');
        let whole = parts.next().unwrap_or("");
        let frac = parts.next();
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && parts.next().is_none()
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
    };
    if !valid_number {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    rest = &rest[number_end..];
    rest = rest.strip_prefix(' ').unwrap_or(rest);
    let (unit, suffix) = match rest.find(' ') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let multiplier = match unit {
        "sec" | "secs" | "second" | "seconds" | "s" => 1.0,
        "minute" | "minutes" | "min" | "mins" | "m" => 60.0,
        "hour" | "hours" | "hr" | "hrs" | "h" => 3600.0,
        "day" | "days" | "d" => 86400.0,
        "week" | "weeks" | "w" => 604800.0,
        "year" | "years" | "yr" | "yrs" | "y" => 31557600.0,
        _ => return None,
    };
    let ago = match suffix {
        None => false,
        Some("ago") if !signed => true,
        Some("from now") if !signed => false,
        _ => return None,
    };
    let seconds = (value * multiplier).round();
    Some(if sign < 0.0 || ago { -seconds } else { seconds })
}

impl VerifyOptions {
    /// The failure of an invalid option checked at `step`, if any.
    pub(crate) fn fail_at(&self, step: CheckStep) -> Result<(), JoseError> {
        match self.invalid.iter().find(|(at, _)| *at == step) {
            Some((_, message)) => Err(JoseError::other(message.clone())),
            None => Ok(()),
        }
    }

    pub(crate) fn now_seconds(&self) -> f64 {
        let ms = self
            .current_date_ms
            .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64));
        (ms / 1000.0).floor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_jose() {
        assert_eq!(duration_seconds("30s"), Some(30.0));
        assert_eq!(duration_seconds("5 minutes"), Some(300.0));
        assert_eq!(duration_seconds("1.5h"), Some(5400.0));
        assert_eq!(duration_seconds("-1 day"), Some(-86400.0));
        assert_eq!(duration_seconds("2 weeks ago"), Some(-1209600.0));
        assert_eq!(duration_seconds("1 hour from now"), Some(3600.0));
        assert_eq!(duration_seconds("+1h ago"), None);
        assert_eq!(duration_seconds("soon"), None);
        assert_eq!(duration_seconds("1.h"), None);
    }
}
