//! How requests arrive and answers leave: API Gateway HTTP events, SOAP envelopes and SQS
//! batches, mapped to and from the domain.

#[cfg(feature = "apidocs")]
pub mod apidocs;
#[cfg(feature = "http")]
pub mod http;
#[cfg(any(feature = "http", feature = "consumer", feature = "invoke"))]
pub mod lambda;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "soap")]
pub mod soap;
#[cfg(feature = "consumer")]
pub mod sqs;
