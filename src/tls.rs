//! The TLS server configs of the web console (`serve --tls-cert/--tls-key`) and of the syslog
//! listeners (`protocol = "tls"`, RFC 5425): certificates and keys read from PEM files, each
//! problem named with the setting and the file, and, for a listener, the client certificates it
//! requires when it is given a CA file.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};

/// Where the files were named: `--tls-cert`, or `listeners[0].tls_cert`, for the messages.
pub struct Names<'a> {
    pub cert: &'a str,
    pub key: &'a str,
    pub client_ca: &'a str,
}

/// A rustls server config of the certificate chain in `cert` and the key in `key`; with
/// `client_ca`, clients must present a certificate signed by one of its certificates.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
    names: &Names<'_>,
) -> Result<Arc<rustls::ServerConfig>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let read_certs = |path: &Path, name: &str| -> Result<Vec<CertificateDer<'static>>> {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|i| i.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| {
                anyhow!(
                    "{name} {}: cannot read a PEM certificate: {e}",
                    path.display()
                )
            })?;
        if certs.is_empty() {
            return Err(anyhow!(
                "{name} {}: no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)",
                path.display()
            ));
        }
        Ok(certs)
    };
    let certs = read_certs(cert, names.cert)?;
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => anyhow!(
            "{} {}: no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----)",
            names.key,
            key.display()
        ),
        e => anyhow!(
            "{} {}: cannot read a PEM private key: {e}",
            names.key,
            key.display()
        ),
    })?;
    // ring, not aws-lc-rs: it builds without cmake. rustls deprecates it for want of the
    // post-quantum key exchange; browsers agree on X25519 with it instead.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS: no protocol versions")?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in read_certs(ca, names.client_ca)? {
                roots.add(c).map_err(|e| {
                    anyhow!(
                        "{} {}: not a CA certificate: {e}",
                        names.client_ca,
                        ca.display()
                    )
                })?;
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .map_err(|e| anyhow!("{} {}: {e}", names.client_ca, ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(certs, private).map_err(|e| {
        anyhow!(
            "{} {} and {} {}: {e}",
            names.cert,
            cert.display(),
            names.key,
            key.display()
        )
    })?;
    Ok(Arc::new(config))
}
