// The identify page: reads a dropped safetensors file's header in the browser (File.slice, nothing uploaded) and
// matches it, and pasted hashes, against identify.json, which the site build derives from the records.
(function () {
  function text(tag, content, className) {
    const element = document.createElement(tag);
    element.textContent = content;
    if (className) element.className = className;
    return element;
  }

  function link(data, entry, label) {
    const anchor = text("a", label);
    anchor.href = `../${entry.folder || "releases"}/${entry.id || entry.record}/`;
    return anchor;
  }

  async function readHeader(file, data) {
    if (file.size < 8) throw new Error(`truncated: ${file.size} bytes, shorter than the 8-byte header length`);
    const length = new DataView(await file.slice(0, 8).arrayBuffer()).getBigUint64(0, true);
    if (length > BigInt(data.max_header_bytes)) throw new Error(`the header length ${length} is absurd`);
    if (8n + length > BigInt(file.size)) throw new Error("truncated: the header is longer than the file");
    let header;
    try {
      header = JSON.parse(await file.slice(8, 8 + Number(length)).text());
    } catch (error) {
      throw new Error("the header is not JSON");
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) throw new Error("the header is JSON but not an object");
    delete header.__metadata__;
    return header;
  }

  function reading(header, data) {
    const names = Object.keys(header);
    const shape = (name) => (header[name] && Array.isArray(header[name].shape) ? header[name].shape : null);
    const dtypes = {};
    names.forEach((name) => { const dtype = header[name] && header[name].dtype; dtypes[dtype] = (dtypes[dtype] || 0) + 1; });
    const dtype = Object.keys(dtypes).sort((a, b) => dtypes[b] - dtypes[a])[0] || null;
    const ema = names.some((name) => name.startsWith("model_ema."));
    // the first design whose key pattern some tensor name matches (the patterns are listed most specific first)
    const designPattern = Object.keys(data.design_keys).find((pattern) => names.some((name) => new RegExp(pattern).test(name)));
    const design = designPattern ? data.design_keys[designPattern] : null;
    for (const [layout, keys] of Object.entries(data.layouts)) {
      if (names.includes(keys.conv_in) || (!design && names.some((name) => name.startsWith(keys.prefix)))) {
        const first = shape(keys.conv_in), last = shape(keys.conv_out);
        const pattern = new RegExp(keys.attention);
        const attention = names.filter((name) => pattern.test(name)).sort()[0];
        const width = attention && shape(attention) && shape(attention).length === 2 ? shape(attention)[1] : null;
        return { layout, dtype, ema, design, width, inChannels: first && first.length === 4 ? first[1] : null, outChannels: last && last.length === 4 ? last[0] : null };
      }
    }
    let layout = names.some((name) => name.startsWith("model.diffusion_model.")) ? "original" : null;
    if (!layout && data.autoencoder_keys.every((key) => names.includes(key))) {
      // a standalone autoencoder: diffusers calls the encoder's levels down_blocks, LDM down
      layout = names.some((name) => name.startsWith("encoder.down_blocks.")) ? "diffusers" : "original";
    }
    return { layout, dtype, ema, design, width: null, inChannels: null, outChannels: null };
  }

  function fingerprint(header, found, data) {
    // the most specific fingerprint of the header's layout whose every tensor the header lists with the same shape
    const same = (a, b) => Array.isArray(a) && a.length === b.length && a.every((n, i) => n === b[i]);
    const matches = Object.entries(data.fingerprints).filter(([, entry]) =>
      Object.entries(entry.tensors).every(([name, shape]) => header[name] && same(header[name].shape, shape)));
    const ownLayout = (entry) => (entry.layout === found.layout ? 1 : 0);
    matches.sort(([a, x], [b, y]) => ownLayout(y) - ownLayout(x) || Object.keys(y.tensors).length - Object.keys(x.tensors).length || (a < b ? 1 : -1));
    return matches.length ? { key: matches[0][0], releases: matches[0][1].releases, layout: matches[0][1].layout } : null;
  }

  function architecture(found, data) {
    let key = found.design;
    if (!key && found.width) {
      key = `unet-ctx${found.width}`;
      if (found.inChannels && found.outChannels) key += `-extra${found.inChannels - found.outChannels}`;
    }
    if (!key) return null;
    const releases = (data.architectures[key] || []).filter((entry) => entry.latent_channels === null || found.outChannels === null || entry.latent_channels === found.outChannels);
    return { key, releases };
  }

  function showFile(target, file, data) {
    target.replaceChildren(text("p", `Reading the header of ${file.name}…`));
    readHeader(file, data).then((header) => {
      const found = reading(header, data);
      const match = fingerprint(header, found, data) || architecture(found, data);
      if (!found.layout && match && match.layout) found.layout = match.layout; // a design whose names only its own code uses
      const lines = [text("p", `${file.name}: ${file.size.toLocaleString("en")} bytes, ${Object.keys(header).length} tensors`)];
      lines.push(text("p", `Layout: ${found.layout || "not recognised"}; dtype: ${found.dtype || "none"}${found.ema ? "; holds EMA weights next to the training weights" : ""}`));
      if (found.inChannels && found.outChannels && found.inChannels !== found.outChannels) {
        lines.push(text("p", `${found.inChannels} input channels for a ${found.outChannels}-channel latent: a variant that adds ${found.inChannels - found.outChannels} at the input.`));
      }
      if (match) {
        const paragraph = text("p", `Architecture ${match.key}: `, "lineage-identify__architecture");
        if (match.releases.length === 0) paragraph.append("no recorded release has it.");
        match.releases.forEach((entry, index) => {
          if (index) paragraph.append(", ");
          paragraph.append(link(data, entry, entry.name));
        });
        lines.push(paragraph);
      } else {
        lines.push(text("p", "The header shows no denoiser this knowledge base describes."));
      }
      target.replaceChildren(...lines);
    }).catch((error) => {
      target.replaceChildren(text("p", `${file.name}: not a readable safetensors file: ${error.message}`, "lineage-identify__error"));
    });
  }

  function showHash(target, value, data) {
    const hex = value.toLowerCase().replace(/[^0-9a-f]/g, "");
    if (!hex) return target.replaceChildren();
    if (hex.length !== 10 && hex.length !== 64) {
      return target.replaceChildren(text("p", "Expected a SHA-256 (64 hex digits) or an AutoV2 hash (its first 10)."));
    }
    const matches = Object.entries(data.checkpoints).filter(([sha256]) => sha256.startsWith(hex));
    if (matches.length === 0) return target.replaceChildren(text("p", "No recorded checkpoint file has this hash."));
    target.replaceChildren(...matches.map(([sha256, entry]) => {
      const paragraph = text("p", `${entry.file} of `, "lineage-identify__match");
      paragraph.append(link(data, entry, entry.name), ` (sha256 ${sha256})`);
      return paragraph;
    }));
  }

  function setUp() {
    const root = document.querySelector(".lineage-identify");
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    const loaded = fetch(new URL("../identify.json", location.href)).then((response) => response.json());
    const drop = root.querySelector(".lineage-identify__drop");
    const input = drop.querySelector("input");
    const result = root.querySelector(".lineage-identify__result");
    const open = (file) => loaded.then((data) => showFile(result, file, data));
    input.addEventListener("change", () => input.files[0] && open(input.files[0]));
    drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("lineage-identify__drop--over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("lineage-identify__drop--over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("lineage-identify__drop--over");
      if (event.dataTransfer.files[0]) open(event.dataTransfer.files[0]);
    });
    const hash = root.querySelector(".lineage-identify__hash");
    const hashResult = root.querySelector(".lineage-identify__hash-result");
    hash.addEventListener("input", () => loaded.then((data) => showHash(hashResult, hash.value, data)));
  }

  if (typeof document$ !== "undefined") document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
