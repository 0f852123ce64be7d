// The Worker's entry module: instantiate the wasm module once, hand every request to Rust.
import { initSync, handle } from "./pkg/cloudflare_worker.js";
import wasm from "./pkg/cloudflare_worker_bg.wasm";

initSync({ module: wasm });

export default { fetch: handle };
