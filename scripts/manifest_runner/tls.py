"""TLS for the stand-in hosts: a CA made for this run (the containers' trust store includes it) and
a leaf certificate per host name."""
import datetime
import ssl
from pathlib import Path


class ThrowawayCA:
    """A CA made for this run; leaf certificates for the stand-in hosts."""

    def __init__(self, folder):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        self._x509, self._hashes, self._ser, self._ec, self._oid = x509, hashes, serialization, ec, NameOID
        self.folder = Path(folder)
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "run-manifests throwaway CA")])
        usage = x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                              content_commitment=False, key_encipherment=False, data_encipherment=False,
                              key_agreement=False, encipher_only=False, decipher_only=False)
        self.cert = self._certificate(name, name, self.key.public_key(),
                                      [(x509.BasicConstraints(ca=True, path_length=0), True), (usage, True)])
        self.pem = self.cert.public_bytes(serialization.Encoding.PEM)

    def _certificate(self, subject, issuer, public_key, extensions):
        """A certificate signed by the CA's key, valid from an hour ago for a day."""
        x509 = self._x509
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                   .public_key(public_key).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1)))
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(self.key, self._hashes.SHA256())

    def server_context(self, hostname):
        x509, NameOID = self._x509, self._oid
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        cert = self._certificate(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]), self.cert.subject, key.public_key(),
            [(x509.SubjectAlternativeName([x509.DNSName(hostname)]), False),
             (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)])
        pem = self.folder / f"{hostname}.pem"
        pem.write_bytes(cert.public_bytes(self._ser.Encoding.PEM) + self.pem
                        + key.private_bytes(self._ser.Encoding.PEM, self._ser.PrivateFormat.PKCS8,
                                            self._ser.NoEncryption()))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pem)
        return ctx
