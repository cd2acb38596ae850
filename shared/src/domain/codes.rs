//! Every stable error code of the API, in one place, with the HTTP status it always travels with.
//! Clients branch on these strings, so a code is never renamed or reused for another meaning.

use std::fmt;

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = ($code:literal, $status:literal), )+) => {
        /// A stable, machine-readable error code. Its status is fixed: the code decides the HTTP
        /// status of every answer that carries it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl ErrorCode {
            /// Every code, in declaration order (documentation and tests).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)+ }
            }

            pub const fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)+ }
            }

            /// What the code means, for the generated documentation.
            pub fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => concat!($($doc),+).trim_ascii(),)+ }
            }
        }
    };
}

error_codes! {
    // ---- request shape (400, 413, 415)
    /// The body is not valid JSON.
    InvalidJson = ("INVALID_JSON", 400),
    /// A body is required and none (or only whitespace) was sent.
    EmptyBody = ("EMPTY_BODY", 400),
    /// Well-formed input whose fields are wrong; field-level messages when the route gives them.
    ValidationFailed = ("VALIDATION_FAILED", 400),
    /// The body is larger than the route accepts.
    PayloadTooLarge = ("PAYLOAD_TOO_LARGE", 413),
    /// The Content-Type (or the document's encoding) is not one the route reads.
    UnsupportedMediaType = ("UNSUPPORTED_MEDIA_TYPE", 415),
    /// A parameter or body that does not describe a valid request.
    InvalidRequest = ("INVALID_REQUEST", 400),
    /// `limit` is outside the route's range.
    InvalidLimit = ("INVALID_LIMIT", 400),
    /// A page cursor this API did not issue.
    InvalidCursor = ("INVALID_CURSOR", 400),
    /// A path id that is not a UUID.
    InvalidId = ("INVALID_ID", 400),
    /// A `userId` that is not a positive integer.
    InvalidUserId = ("INVALID_USER_ID", 400),
    /// The `username` parameter is missing or blank.
    MissingUsername = ("MISSING_USERNAME", 400),
    /// A username that is too long or holds control characters.
    InvalidUsername = ("INVALID_USERNAME", 400),
    /// A queue message that is not an event this consumer can read.
    InvalidEvent = ("INVALID_EVENT", 400),

    // ---- authentication and authorization (401, 403)
    /// Unknown user or wrong password (one answer for both).
    InvalidCredentials = ("INVALID_CREDENTIALS", 401),
    /// No `Authorization: Bearer` token.
    MissingToken = ("MISSING_TOKEN", 401),
    /// The token is malformed, forged, for another audience, or its user no longer exists.
    InvalidToken = ("INVALID_TOKEN", 401),
    /// The token has expired.
    TokenExpired = ("TOKEN_EXPIRED", 401),
    /// The token was revoked (logout).
    TokenRevoked = ("TOKEN_REVOKED", 401),
    /// The refresh token is unknown.
    InvalidRefreshToken = ("INVALID_REFRESH_TOKEN", 401),
    /// The refresh token has expired.
    RefreshTokenExpired = ("REFRESH_TOKEN_EXPIRED", 401),
    /// A refresh token was used twice: its whole family is revoked.
    RefreshTokenReused = ("REFRESH_TOKEN_REUSED", 401),
    /// The login session has ended.
    SessionEnded = ("SESSION_ENDED", 401),
    /// The calling service's client credentials are wrong (introspection).
    InvalidClient = ("INVALID_CLIENT", 401),
    /// The tenant service could not authenticate the token.
    AuthenticationFailed = ("AUTHENTICATION_FAILED", 401),
    /// The caller may not do this.
    Forbidden = ("FORBIDDEN", 403),
    /// The token does not grant access to this tenant.
    TenantAccessDenied = ("TENANT_ACCESS_DENIED", 403),
    /// A cross-origin preflight from an origin that may not call this route.
    CorsOriginForbidden = ("CORS_ORIGIN_FORBIDDEN", 403),
    /// A cross-origin preflight for a method the route does not allow across origins.
    CorsMethodForbidden = ("CORS_METHOD_FORBIDDEN", 403),

    // ---- accounts
    /// The password is too weak.
    WeakPassword = ("WEAK_PASSWORD", 400),
    /// The username is taken.
    UsernameTaken = ("USERNAME_TAKEN", 409),
    /// The email address is taken.
    EmailTaken = ("EMAIL_TAKEN", 409),
    /// No such user.
    UserNotFound = ("USER_NOT_FOUND", 404),
    /// The user has never connected.
    NoConnection = ("NO_CONNECTION", 404),
    /// An admin may not delete their own account.
    CannotDeleteSelf = ("CANNOT_DELETE_SELF", 409),

    // ---- chat
    /// No such chat session (or not the caller's).
    SessionNotFound = ("SESSION_NOT_FOUND", 404),
    /// `sessionId` is not a chat session's UUID.
    InvalidSessionId = ("INVALID_SESSION_ID", 400),
    /// No such message (or not visible to the caller).
    MessageNotFound = ("MESSAGE_NOT_FOUND", 404),
    /// Only text messages can be edited.
    NotATextMessage = ("NOT_A_TEXT_MESSAGE", 409),
    /// No such vendor.
    VendorNotFound = ("VENDOR_NOT_FOUND", 404),
    /// The chat session already has its vendor.
    VendorExists = ("VENDOR_EXISTS", 409),
    /// Another vendor has that email address.
    VendorEmailTaken = ("VENDOR_EMAIL_TAKEN", 409),
    /// No such seller.
    SellerNotFound = ("SELLER_NOT_FOUND", 404),
    /// The seller already lists that product in this chat session.
    SellerProductExists = ("SELLER_PRODUCT_EXISTS", 409),
    /// Nothing at this path.
    NotFound = ("NOT_FOUND", 404),

    // ---- images
    /// The uploaded file is empty.
    EmptyFile = ("EMPTY_FILE", 400),
    /// The image is larger than allowed.
    FileTooLarge = ("FILE_TOO_LARGE", 413),
    /// The bytes are not an image of an accepted type.
    UnsupportedImageType = ("UNSUPPORTED_IMAGE_TYPE", 415),
    /// The image header is damaged, or the image has no pixels.
    InvalidImage = ("INVALID_IMAGE", 400),
    /// The image claims more pixels than allowed.
    ImageDimensionsTooLarge = ("IMAGE_DIMENSIONS_TOO_LARGE", 400),
    /// The declared content type disagrees with the bytes.
    ContentTypeMismatch = ("CONTENT_TYPE_MISMATCH", 400),
    /// The file name is not a plain, printable name.
    InvalidFilename = ("INVALID_FILENAME", 400),
    /// The multipart body cannot be read.
    InvalidMultipart = ("INVALID_MULTIPART", 400),
    /// The multipart body has no `file` field.
    MissingFileField = ("MISSING_FILE_FIELD", 400),
    /// The multipart body has more than one file.
    TooManyFiles = ("TOO_MANY_FILES", 400),
    /// An upload id this API did not issue.
    InvalidUploadId = ("INVALID_UPLOAD_ID", 400),
    /// Nothing was uploaded under this id (or it expired).
    UploadNotFound = ("UPLOAD_NOT_FOUND", 404),

    // ---- tenant data
    /// No `X-Tenant-ID` header.
    MissingTenantId = ("MISSING_TENANT_ID", 400),
    /// `X-Tenant-ID` is not a tenant id.
    InvalidTenantId = ("INVALID_TENANT_ID", 400),
    /// The tenant does not exist or is disabled.
    TenantNotFound = ("TENANT_NOT_FOUND", 404),
    /// No `id` parameter.
    MissingRecordId = ("MISSING_RECORD_ID", 400),
    /// `id` is not a UUID.
    InvalidRecordId = ("INVALID_RECORD_ID", 400),
    /// No such record in this tenant.
    RecordNotFound = ("RECORD_NOT_FOUND", 404),
    /// The record changed since the version the client read.
    VersionConflict = ("VERSION_CONFLICT", 409),
    /// The document holds what the database cannot store (NUL characters).
    InvalidData = ("INVALID_DATA", 400),

    // ---- SOAP
    /// The XML is not well-formed.
    MalformedXml = ("MALFORMED_XML", 400),
    /// A DOCTYPE: no entity is ever declared, expanded or fetched.
    XmlDoctypeForbidden = ("XML_DOCTYPE_FORBIDDEN", 400),
    /// Well-formed XML that is not the operation's request envelope.
    InvalidSoapRequest = ("INVALID_SOAP_REQUEST", 400),
    /// Not a SOAP 1.1 envelope.
    SoapVersionMismatch = ("SOAP_VERSION_MISMATCH", 400),
    /// A header entry marked mustUnderstand that this service does not understand.
    SoapMustUnderstand = ("SOAP_MUST_UNDERSTAND", 400),
    /// A SOAPAction of another operation.
    InvalidSoapAction = ("INVALID_SOAP_ACTION", 400),

    // ---- limits and failures
    /// Too many requests; `Retry-After` says when to come back.
    RateLimited = ("RATE_LIMITED", 429),
    /// PostgreSQL is unavailable.
    DatabaseUnavailable = ("DATABASE_UNAVAILABLE", 503),
    /// The session store (MongoDB) is unavailable.
    SessionStoreUnavailable = ("SESSION_STORE_UNAVAILABLE", 503),
    /// The event queue (SQS) is unavailable.
    QueueUnavailable = ("QUEUE_UNAVAILABLE", 503),
    /// The token store (DynamoDB) is unavailable.
    TokenStoreUnavailable = ("TOKEN_STORE_UNAVAILABLE", 503),
    /// The object store (S3) is unavailable.
    ObjectStoreUnavailable = ("OBJECT_STORE_UNAVAILABLE", 503),
    /// A tenant's database failed (the tenant service's name for it).
    DatabaseError = ("DATABASE_ERROR", 503),
    /// The identity service's introspection endpoint cannot be reached.
    AuthServiceUnavailable = ("AUTH_SERVICE_UNAVAILABLE", 503),
    /// A health check found a dependency down.
    DependencyUnavailable = ("DEPENDENCY_UNAVAILABLE", 503),
    /// A bug or an unexpected state; the detail is in the logs only.
    InternalError = ("INTERNAL_ERROR", 500),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Lets tests and callers compare with the wire string: `assert_eq!(err.code(), "INVALID_TOKEN")`.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_screaming_snake_case_with_error_statuses() {
        let mut seen = BTreeSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} declared twice");
            assert!(s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'), "{s}");
            assert!((400..600).contains(&code.status()), "{s}");
            assert!(!code.description().is_empty(), "{s} has no description");
        }
    }
}
