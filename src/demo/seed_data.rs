//! Who and what the demo's history is made of.

pub const CI: &str = "ci@customer-portal.example";
pub const PEOPLE: [&str; 5] = [
    "ana.silva@customer-portal.example",
    "ben.okafor@customer-portal.example",
    "chen.wei@customer-portal.example",
    "dana.kim@customer-portal.example",
    "sam.osei@customer-portal.example",
];

pub const VERSIONS: [&str; 29] = [
    "1.0.0", "1.0.1", "1.1.0", "1.1.1", "1.2.0", "1.2.1", "1.2.2", "1.3.0", "1.3.1", "1.4.0", "1.4.1", "1.4.2",
    "1.5.0", "1.5.1", "1.6.0", "1.6.1", "1.7.0", "1.7.1", "1.7.2", "1.8.0", "1.8.1", "1.9.0", "1.9.1", "1.10.0",
    "1.10.1", "1.11.0", "1.11.1", "1.11.2", "1.12.0",
];

pub const NOTES: [&str; 8] = [
    "portal: tenant switcher",
    "fix login redirect loop",
    "checkout: retry card authorisation",
    "invoices as PDF",
    "upgrade postgres driver",
    "faster dashboard queries",
    "email templates refresh",
    "fix timezone in reports",
];

/// Versions promoted to prod, in order (the rollback happens after 1.9.0).
pub const PROD: [&str; 12] = [
    "1.0.1", "1.1.1", "1.2.2", "1.3.1", "1.4.2", "1.5.1", "1.6.1", "1.7.2", "1.9.0", "1.9.1", "1.10.1", "1.11.0",
];

pub const PRE: [(&str, Option<&str>); 5] = [
    ("All tests pass in CI", None),
    ("Code review completed", None),
    ("Database migrations tested on staging", None),
    ("Security review signed off", Some("security")),
    ("Rollback plan prepared", None),
];
pub const POST: [(&str, Option<&str>); 4] = [
    ("Verify critical user flows", None),
    ("Monitor error rates for 15 minutes", None),
    ("Update release notes", None),
    ("Notify #releases", None),
];
pub const VALIDATION: [(&str, Option<&str>); 5] = [
    ("Login and SSO work", None),
    ("Customer portal /portal routes load", None),
    ("Checkout end to end with a test card", None),
    ("Invoices render as PDF", None),
    ("Email notifications arrive", None),
];
