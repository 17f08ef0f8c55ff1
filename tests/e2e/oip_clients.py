"""Scores rows through the clients KServe and Triton users already have, against a running server,
and prints what each returned as JSON. Runs in .venv-oip (tests/requirements-oip.txt: their
protobuf and pandas pins clash with the main test venv's); tests/e2e/test_inference_clients.py runs
it and compares the answers with XGBoost.

    python oip_clients.py --client triton|kserve --http 127.0.0.1:8080 --model fraud --rows rows.json [--grpc-tls HOST:PORT --ca ca.pem]

rows.json: {"features": [...], "rows": [[...15 floats...], ...]}. Prints
{"<client and mode>": {"predictions": [...], ...}, ...}."""
import argparse
import asyncio
import json
import sys

import numpy as np

OUTPUT = "fraud_probability"


def triton_http_calls(url, model, x, features):
    import tritonclient.http as triton_http
    client = triton_http.InferenceServerClient(url=url)
    out = {"live": client.is_server_live(), "ready": client.is_model_ready(model),
           "extensions": client.get_server_metadata()["extensions"],
           "inputs": [i["name"] for i in client.get_model_metadata(model)["inputs"]]}
    for dtype, np_type in (("FP64", np.float64), ("FP32", np.float32)):
        # The client's defaults: binary tensor data both ways.
        inp = triton_http.InferInput("input-0", list(x.shape), dtype)
        inp.set_data_from_numpy(x.astype(np_type))
        result = client.infer(model, [inp], request_id="triton-http")
        out[f"triton_http_binary_{dtype}"] = {"predictions": result.as_numpy(OUTPUT).tolist(),
                                              "id": result.get_response()["id"]}
    # JSON both ways, one tensor per feature.
    inputs = []
    for j, f in enumerate(features):
        inp = triton_http.InferInput(f, [x.shape[0]], "FP64")
        inp.set_data_from_numpy(x[:, j].copy(), binary_data=False)
        inputs.append(inp)
    result = client.infer(model, inputs, outputs=[triton_http.InferRequestedOutput(OUTPUT, binary_data=False)])
    out["triton_http_json_per_feature"] = {"predictions": result.as_numpy(OUTPUT).tolist()}
    # Integer tensors a feature matrix can come in (the values are whole numbers here).
    ints = np.round(x).astype(np.int32)
    inp = triton_http.InferInput("input-0", list(ints.shape), "INT32")
    inp.set_data_from_numpy(ints)
    out["triton_http_binary_INT32"] = {"predictions": client.infer(model, [inp]).as_numpy(OUTPUT).tolist(),
                                       "rows": ints.astype(np.float64).tolist()}
    return out


def triton_grpc_calls(url, model, x, ssl, ca):
    import tritonclient.grpc as triton_grpc
    kwargs = {"ssl": True, "root_certificates": ca} if ssl else {}
    client = triton_grpc.InferenceServerClient(url=url, **kwargs)
    meta = client.get_model_metadata(model)
    out = {"live": client.is_server_live(), "ready": client.is_server_ready(), "model_ready": client.is_model_ready(model),
           "extensions": list(client.get_server_metadata().extensions),
           "inputs": [i.name for i in meta.inputs], "versions": list(meta.versions)}
    for dtype, np_type in (("FP64", np.float64), ("FP32", np.float32)):
        inp = triton_grpc.InferInput("input-0", list(x.shape), dtype)
        inp.set_data_from_numpy(x.astype(np_type))  # raw_input_contents
        result = client.infer(model, [inp], request_id="triton-grpc")
        out[f"triton_grpc_raw_{dtype}"] = {"predictions": result.as_numpy(OUTPUT).tolist(),
                                           "id": result.get_response().id}
    return out


async def kserve_calls(http_url, grpc_url, model, x):
    from kserve import InferenceGRPCClient, InferenceRESTClient, InferInput, InferRequest, RESTConfig
    out = {}
    rest = InferenceRESTClient(RESTConfig(protocol="v2"))
    try:
        for binary in (False, True):
            inp = InferInput("input-0", list(x.shape), "FP64")
            inp.set_data_from_numpy(x, binary_data=binary)
            reply = await rest.infer(f"http://{http_url}", InferRequest(model, [inp], request_id="kserve-rest"), model_name=model)
            out[f"kserve_rest_{'binary' if binary else 'json'}"] = {"predictions": reply.outputs[0].as_numpy().tolist(),
                                                                    "id": reply.id}
    finally:
        await rest.close()
    async with InferenceGRPCClient(grpc_url) as client:
        out["kserve_grpc_live"] = await client.is_server_live()
        out["kserve_grpc_model_ready"] = await client.is_model_ready(model)
        for typed in (True, False):
            if typed:  # typed contents: fp64_contents
                inp = InferInput("input-0", list(x.shape), "FP64", data=x.flatten().tolist())
            else:  # raw_input_contents
                inp = InferInput("input-0", list(x.shape), "FP64")
                inp.set_data_from_numpy(x, binary_data=True)
            reply = await client.infer(InferRequest(model, [inp], request_id="kserve-grpc"))
            out[f"kserve_grpc_{'typed' if typed else 'raw'}"] = {"predictions": reply.outputs[0].as_numpy().tolist(),
                                                                 "id": reply.id}
    return out


def main():
    p = argparse.ArgumentParser()
    # tritonclient.grpc and kserve register the same protobuf messages: one of them per process.
    p.add_argument("--client", choices=["triton", "kserve"], required=True)
    p.add_argument("--http", required=True, help="host:port of the plain-HTTP port (REST and h2c gRPC)")
    p.add_argument("--model", required=True)
    p.add_argument("--rows", required=True)
    p.add_argument("--grpc-tls", help="host:port of a TLS port, for gRPC over TLS with ALPN h2")
    p.add_argument("--ca", help="the TLS port's CA certificate (PEM)")
    args = p.parse_args()
    spec = json.load(open(args.rows))
    x = np.array(spec["rows"], dtype=np.float64)
    del sys.argv[1:]  # kserve parses the command line when imported (its model server's options)
    out = {}
    if args.client == "kserve":
        out.update(asyncio.run(kserve_calls(args.http, args.http, args.model, x)))
    else:
        out.update(triton_http_calls(args.http, args.model, x, spec["features"]))
        grpc = triton_grpc_calls(args.http, args.model, x, False, None)
        out.update({k if k.startswith("triton_grpc") else f"triton_grpc_{k}": v for k, v in grpc.items()})
        if args.grpc_tls:
            tls = triton_grpc_calls(args.grpc_tls, args.model, x, True, args.ca)
            out["triton_grpc_tls_raw_FP64"] = tls["triton_grpc_raw_FP64"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
