//! Image uploads (shared::domain::images): `upload::read_upload` on a request whose body is the fuzz
//! input, then what `POST /images` does with the result — `ImageService::upload` over an
//! in-process store (byte sniffing, header parsing, pixel limits, file-name checks) — plus the
//! small parsers of `images` on derived strings. Never a panic; every error is a client error.
//!
//! Input: byte 0 picks the mode, the rest is the body.
//!   0-3  multipart/form-data with one of four boundaries (`XyZ` is the seeds')
//!   4    multipart with the Content-Type from the first line: "<content-type>\n<body>"
//!   5    a raw image body (Content-Type image/png) with `?filename=` from the first line
//!   6    the string parsers: validate_filename, parse_object_id, percent_decode_name,
//!        ImageFormat::from_content_type and ImageService::complete/list on the text
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::AppError;
use shared::adapters::memory::MemoryImages;
use shared::domain::images::{
    ImageFormat, ImagePolicy, ImageService, PUBLIC_PREFIX, inspect, parse_object_id, percent_decode_name,
    percent_encode_name, validate_filename,
};
use shared::transport::http::upload::read_upload;
use shared_fuzz::{block_on, body, check_client_error, part, request, split, with_params};
use std::time::Duration;

/// Small limits, so the size checks are reachable with fuzz-sized inputs.
const MAX_BYTES: usize = 2048;
const BOUNDARIES: [&str; 4] = ["XyZ", "----formdata-curl-8f1c2a", "\"quoted boundary\"", "b"];

fn policy() -> ImagePolicy {
    ImagePolicy {
        max_bytes: MAX_BYTES,
        max_presigned_bytes: 4 * MAX_BYTES as u64,
        max_pixels: 1_000_000,
        presign_ttl: Duration::from_secs(60),
    }
}

fn service() -> ImageService<MemoryImages> {
    ImageService { store: MemoryImages::default(), policy: policy(), public_base_url: "http://images.test".into() }
}

fn client_error<T>(result: Result<T, AppError>) -> Option<T> {
    result.map_err(|e| check_client_error(&e)).ok()
}

/// `POST /images`, as the images-upload function runs it.
fn upload(content_type: &str, filename: Option<String>, bytes: &[u8]) {
    let Some(req) = request("POST", "/images", &[("content-type", content_type)], body(bytes)) else {
        return;
    };
    let req = match filename {
        Some(name) => with_params(req, &[("filename", name)], &[]),
        None => req,
    };
    let Some(up) = client_error(block_on(read_upload(req, MAX_BYTES))) else {
        return;
    };
    assert!(up.bytes.len() <= MAX_BYTES, "read_upload let {} bytes through", up.bytes.len());
    let svc = service();
    if let Some(image) = client_error(block_on(svc.upload(up.bytes.clone(), up.filename.as_deref(), up.declared))) {
        assert_eq!(image.size as usize, up.bytes.len());
        let id = image.key.strip_prefix(PUBLIC_PREFIX).expect("public key");
        assert!(parse_object_id(id).is_some(), "the service made an id it cannot parse: {id}");
        if let Some(name) = &image.original_name {
            assert_eq!(percent_decode_name(&percent_encode_name(name)).as_deref(), Some(&name[..]));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 7 {
        m @ 0..=3 => {
            let ct = format!("multipart/form-data; boundary={}", BOUNDARIES[m as usize]);
            upload(&ct, None, rest);
        }
        4 => {
            let parts = split(rest, b'\n', 2);
            upload(&part(&parts, 0), None, parts.get(1).copied().unwrap_or_default());
        }
        5 => {
            let parts = split(rest, b'\n', 2);
            let bytes = parts.get(1).copied().unwrap_or_default();
            upload("image/png", Some(part(&parts, 0)), bytes);
            // `complete` inspects a staged object's first bytes against its full size.
            let _ = inspect(bytes, bytes.len() as u64 + u64::from(mode), 4 * MAX_BYTES as u64, &policy());
        }
        _ => {
            let text = String::from_utf8_lossy(rest);
            if let Some(name) = client_error(validate_filename(&text)) {
                assert_eq!(percent_decode_name(&percent_encode_name(&name)).as_deref(), Some(&name[..]));
            }
            let _ = percent_decode_name(&text);
            let _ = ImageFormat::from_content_type(&text);
            if let Some((at, format)) = parse_object_id(&text) {
                assert!(at.timestamp_millis() >= 0, "{text}");
                assert!(ImageFormat::ALL.contains(&format));
            }
            let svc = service();
            client_error(block_on(svc.complete(&text)));
            client_error(block_on(svc.list(Some(&text), 20)));
        }
    }
});
