//! The root certificates the native transports trust: the built-in ones (webpki's, plus the
//! operating system's with the `native-roots` feature) and any added on the builder.

use crate::Error;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

/// Every certificate in `bytes`: one DER certificate, or every `CERTIFICATE` block of a PEM
/// file (a bundle of several works). `what` names it in errors.
pub(crate) fn parse_certificates(
    bytes: &[u8],
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .is_some_and(|start| bytes[start..].starts_with(b"-----BEGIN"));
    if !pem {
        return Ok(vec![CertificateDer::from(bytes.to_vec())]);
    }
    let certificates = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Config(format!("{what}: cannot read the PEM: {e}")))?;
    if certificates.is_empty() {
        return Err(Error::Config(format!(
            "{what}: the PEM holds no CERTIFICATE block"
        )));
    }
    Ok(certificates)
}

/// The root store: the built-in roots when `built_in`, then each of `added` (DER or PEM).
/// A certificate that cannot be read, or a store left empty, is an [`Error::Config`].
pub(crate) fn root_store(built_in: bool, added: &[Vec<u8>]) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    if built_in {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "native-roots")]
        add_native_roots(&mut roots);
    }
    for (i, bytes) in added.iter().enumerate() {
        let what = format!("root certificate {}", i + 1);
        for der in parse_certificates(bytes, &what)? {
            roots
                .add(der)
                .map_err(|e| Error::Config(format!("{what}: {e}")))?;
        }
    }
    if roots.is_empty() {
        return Err(Error::Config(
            "no root certificates: the built-in ones are off and none was added".into(),
        ));
    }
    Ok(roots)
}

/// The operating system's roots (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set). Certificates the
/// store holds but rustls cannot use are skipped, as reqwest does; a store that cannot be
/// read at all is logged, and the webpki roots remain.
#[cfg(feature = "native-roots")]
fn add_native_roots(roots: &mut RootCertStore) {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!(error = %e, "stripe_client: reading the system's root certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    tracing::debug!(added, ignored, "stripe_client: system root certificates");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_and_pem_and_errors() {
        let certs = root_store(true, &[]).unwrap();
        assert!(certs.len() > 100);
        // Garbage DER is refused when added (it is not a certificate).
        let err = root_store(true, &[b"not a certificate".to_vec()]).unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("root certificate 1")),
            "{err}"
        );
        let err = parse_certificates(
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "x",
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("no CERTIFICATE")),
            "{err}"
        );
        let err = root_store(false, &[]).unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("no root certificates")),
            "{err}"
        );
    }
}
