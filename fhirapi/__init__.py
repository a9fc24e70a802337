"""The FHIR R4 interface: GP information systems and therapist organisations read (and start)
referrals over OAuth 2.0 client credentials (docs/fhir.md).

Named `fhirapi`, not `fhir`: a package `fhir` would shadow the namespace package of the
fhir.resources library, whose models the tests validate every served resource against.
"""
