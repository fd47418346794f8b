//! The root package only owns the black-box test suite in `tests/`; the service is in `api/`.
