"""Short-lived credentials instead of static keys: STS web identity (EKS IRSA) and container
credentials (EKS Pod Identity), against moto's S3, which accepts only requests signed with the
temporary credentials and their session token. The credentials are renewed before they expire,
the rotated token file is read for each renewal, and refused credentials keep the serving model
with the reason in /models, /health/ready and the metrics."""
import pytest

from credentialservers import ContainerEndpoint, StsEndpoint
from modelrepo import DEFAULT_MODEL, REFERENCE_XGB, metric, models, predict, golden_row, publish, serving_version, wait_until

LIFETIME = 4  # seconds the stand-ins report: renewed after half of it


def no_static_keys(tmp_path):
    """No static credentials reach the server: the chain must find the temporary ones."""
    return {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials-file"), "AWS_REGION": "us-east-1"}


def serve(start_server, s3, bucket, env):
    return start_server("--port", "0", "--model", f"s3://{bucket}/fraud/", "--s3-endpoint", s3.endpoint,
                        "--poll-interval", "0.2", "--max-backoff", "1", env=env)


@pytest.fixture
def sts(s3):
    endpoint = StsEndpoint(s3, s3.role_arn, accepted={"token-1"}, lifetime=LIFETIME)
    yield endpoint
    endpoint.close()


@pytest.fixture
def container(s3):
    endpoint = ContainerEndpoint(s3, accepted={"pod-token-1"}, lifetime=LIFETIME)
    yield endpoint
    endpoint.close()


def serve_with_web_identity(start_server, s3, bucket, sts, token):
    """Version 1 published, then served with nothing but a web identity token file ("token-1")."""
    token.write_text("token-1\n")
    publish(s3, bucket, "fraud/", DEFAULT_MODEL)
    server = serve(start_server, s3, bucket, {**no_static_keys(token.parent), "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
                                              "AWS_ROLE_ARN": s3.role_arn, "AWS_ENDPOINT_URL_STS": sts.url})
    wait_until(lambda: serving_version(server) == 1, what="version 1 from S3 with web identity credentials")
    assert sts.tokens_seen()[0] == "token-1"
    return server


def test_web_identity_credentials_serve_renew_and_follow_the_rotated_token(start_server, s3, s3_bucket, sts, tmp_path):
    token = tmp_path / "token"
    server = serve_with_web_identity(start_server, s3, s3_bucket, sts, token)

    # The platform rotates the projected token; STS honours only the new one from now on.
    token.write_text("token-2\n")
    sts.accept_only("token-2")
    wait_until(lambda: "token-2" in sts.tokens_seen(), timeout=LIFETIME * 3, what="a renewal with the rotated token")
    publish(s3, s3_bucket, "fraud/", REFERENCE_XGB, "--model-version", "ref-xgb-2")
    wait_until(lambda: serving_version(server) == 2, timeout=10, what="version 2 with renewed credentials")
    assert models(server)["last_poll"]["error"] is None
    assert server.stop() == 0


def test_refused_web_identity_keeps_the_model_serving_with_the_reason(start_server, s3, s3_bucket, sts, tmp_path):
    server = serve_with_web_identity(start_server, s3, s3_bucket, sts, tmp_path / "token")
    sts.accept_only()  # the role's trust is revoked: every exchange is refused from now on
    poll = wait_until(lambda: (m := models(server)["last_poll"])["error"] and m, timeout=LIFETIME * 3,
                      what="a poll failing once the credentials expired")
    assert "InvalidIdentityToken" in poll["error"] and "AssumeRoleWithWebIdentity" in poll["error"], poll
    status, answer = predict(server, golden_row(0))
    assert status == 200 and answer["model_version"] == "xgb-default-1.0.0"
    assert metric(server, "fraudscore_model_storage_errors_total", '{reason="http_error"}') >= 1
    assert server.stop() == 0


def test_a_web_identity_token_file_without_a_role_is_a_clear_error(start_server, s3, s3_bucket, tmp_path):
    token = tmp_path / "token"
    token.write_text("token-1")
    server = serve(start_server, s3, s3_bucket, {**no_static_keys(tmp_path), "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
                                                 "AWS_ROLE_ARN": ""})
    poll = wait_until(lambda: (m := models(server)["last_poll"])["error"] and m, what="a failed poll")
    assert "AWS_ROLE_ARN" in poll["error"] and poll["reason"] == "configuration"
    assert server.stop() == 0


def test_pod_identity_credentials_serve_and_follow_the_rotated_token(start_server, s3, s3_bucket, container, tmp_path):
    token = tmp_path / "eks-pod-identity-token"
    token.write_text("pod-token-1")
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    server = serve(start_server, s3, s3_bucket, {**no_static_keys(tmp_path),
                                                 "AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url + "/v1/credentials",
                                                 "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token)})
    wait_until(lambda: serving_version(server) == 1, what="version 1 from S3 with Pod Identity credentials")
    token.write_text("pod-token-2")
    container.accept_only("pod-token-2")
    wait_until(lambda: "pod-token-2" in container.tokens_seen(), timeout=LIFETIME * 3, what="a renewal with the new token")
    publish(s3, s3_bucket, "fraud/", REFERENCE_XGB, "--model-version", "ref-xgb-2")
    wait_until(lambda: serving_version(server) == 2, timeout=10, what="version 2 with renewed credentials")
    assert server.stop() == 0


def test_container_credentials_from_a_remote_plain_http_address_are_refused(start_server, s3, s3_bucket, tmp_path):
    server = serve(start_server, s3, s3_bucket, {**no_static_keys(tmp_path),
                                                 "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/creds"})
    poll = wait_until(lambda: (m := models(server)["last_poll"])["error"] and m, what="a failed poll")
    assert "must be https://" in poll["error"] and poll["reason"] == "configuration"
    assert server.stop() == 0
