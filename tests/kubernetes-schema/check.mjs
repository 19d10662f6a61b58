// Checks Kubernetes manifests (tests/deploy_kubernetes.sh). Every YAML document in the files
// and directories given (recursively: *.yaml, *.yml) is parsed as kubectl reads it (YAML
// 1.1) and checked:
//
//   node check.mjs validate PATH...   each document against the schema of its apiVersion and
//       kind bundled in the npm package kubernetes-models (its validate()), and strictly: a
//       field that the kind's model does not define is an error (the schemas themselves let
//       unknown fields through, as a misspelt readOnlyRootFilesystem would). Prints one line
//       per document; exit 1 naming the file, the document and the error.
//   node check.mjs security PATH...   the workloads' security contexts: non-root, read-only
//       root file system, no privilege escalation, every capability dropped, the
//       RuntimeDefault seccomp profile, no service account token; the exceptions the
//       builders need (bubblewrap) are allowed for vigil-builder only. Exit 1 on a violation.
//   node check.mjs edges PATH...      the pod-to-pod flows the NetworkPolicies allow, one
//       "FROM -> TO:PORT" line each, sorted (a flow needs the caller's egress and the
//       callee's ingress; an ipBlock peer is taken to match any pod, the worst case). Jobs'
//       pods are callers too (they have no ports to be called on).
//   node check.mjs refs PATH...       the Secrets and ConfigMaps the workloads use but the
//       manifests do not define, "secret NAME" or "configmap NAME" lines, sorted.
//   node check.mjs render OUT BIN FIXTURES PORT_OFFSET PATH...   lays out each workload's
//       pod under OUT/NAME/ (a StatefulSet's: each replica's, OUT/NAME-0/, OUT/NAME-1/, ...)
//       as its volumes would be mounted (ConfigMaps from the manifests
//       or FIXTURES/configmaps/NAME/KEY, Secrets from FIXTURES/secrets/NAME/KEY with the
//       volume's mode, both as symlinks through ..data as the kubelet writes them, or one
//       regular file for a subPath (or a subPathExpr, its variables expanded); persistent
//       volumes shared by claim name under OUT/pvc/, a volumeClaimTemplate's per pod as
//       OUT/pvc/TEMPLATE-POD, a subPath of either as a directory in it) and writes
//       OUT/NAME/CONTAINER.argv and .probe (NUL-separated) with the paths moved under
//       OUT/NAME, /usr/local/bin/ replaced by BIN, and every container port moved up by
//       PORT_OFFSET. Each pod has an address of its own on the loopback network: replica N
//       of a StatefulSet 127.0.0.(N+1), any other pod 127.0.0.1; 0.0.0.0 and 127.0.0.1 in a
//       pod's files become its address, a StatefulSet pod's DNS name (NAME-N.SERVICE) that
//       pod's, and the Services' names 127.0.0.1.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const modelsDir = path.dirname(require.resolve("kubernetes-models/package.json"));
const nodeModules = path.dirname(modelsDir);

function yamlFiles(target) {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  return fs
    .readdirSync(target)
    .sort()
    .flatMap((name) => {
      const full = path.join(target, name);
      if (fs.statSync(full).isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(name) ? [full] : [];
    });
}

// Every document of every file: {file, index (1-based), doc} or {file, index, error}.
function documents(paths) {
  const out = [];
  for (const file of paths.flatMap(yamlFiles)) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), { version: "1.1", uniqueKeys: true });
    docs.forEach((d, i) => {
      const problems = [...d.errors, ...d.warnings];
      if (problems.length > 0) {
        out.push({ file, index: i + 1, error: problems.map((p) => p.message).join("; ") });
        return;
      }
      const doc = d.toJS({ maxAliasCount: 0 });
      if (doc !== null && doc !== undefined) out.push({ file, index: i + 1, doc });
    });
  }
  return out;
}

function describe(entry) {
  const d = entry.doc;
  const what = d && typeof d === "object" ? `${d.kind ?? "?"} ${d.metadata?.name ?? "?"}` : "?";
  return `${entry.file}: document ${entry.index} (${what})`;
}

// The model file of an apiVersion and kind: kubernetes-models/GROUP/VERSION/KIND.
function modelPath(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  const parts = apiVersion.split("/");
  if (parts.length > 2 || parts.some((p) => !/^[a-z0-9.-]+$/.test(p))) return null;
  const rel = parts.length === 1 ? `v1/${kind}` : `${parts[0]}/${parts[1]}/${kind}`;
  if (parts.length === 1 && parts[0] !== "v1") return null;
  const file = path.join(modelsDir, `${rel}.d.ts`);
  return fs.existsSync(file) ? rel : null;
}

// The fields a model's .d.ts declares on its interface, and how to check each value:
// {name: {ref: FILE|null, shape: "one"|"array"|"map"}}. Types that are not interfaces
// (strings, numbers, IntOrString, Quantity, free-form JSON) are not looked into.
const interfaces = new Map();
function interfaceOf(dtsFile) {
  if (interfaces.has(dtsFile)) return interfaces.get(dtsFile);
  const text = fs.readFileSync(dtsFile, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ ([A-Za-z0-9_, ]+) \} from "([^"]+)";$/gm)) {
    const spec = m[2];
    const base = spec.startsWith(".") ? path.join(path.dirname(dtsFile), spec) : path.join(nodeModules, spec);
    for (const name of m[1].split(",").map((s) => s.trim())) imports.set(name, `${base}.d.ts`);
  }
  const start = text.search(/^export interface \w+( extends [\w, ]+)? \{$/m);
  let fields = null;
  if (start >= 0) {
    fields = {};
    const lines = text.slice(start).split("\n");
    let depth = 0;
    let pending = null;  // a field whose type spans lines: {name, text}
    for (const line of lines) {
      const before = depth;
      for (const ch of line.replace(/\/\*.*?\*\//g, "")) {
        if (ch === "{") depth++;
        if (ch === "}") depth--;
      }
      if (before === 1) {
        const m = line.match(/^\s*"([^"]+)"\??: (.*)$/);
        if (m) pending = { name: m[1], text: m[2] };
      } else if (pending) {
        pending.text += " " + line.trim();
      }
      if (pending && depth === 1) {
        fields[pending.name] = fieldType(pending.text, imports);
        pending = null;
      }
      if (depth === 0 && before > 0) break;
    }
  }
  interfaces.set(dtsFile, fields);
  return fields;
}

function fieldType(text, imports) {
  const type = text.replace(/;$/, "").trim();
  let m = type.match(/^(\w+)$/);
  if (m && imports.has(m[1])) return { ref: imports.get(m[1]), shape: "one" };
  m = type.match(/^Array<(\w+)>$/);
  if (m && imports.has(m[1])) return { ref: imports.get(m[1]), shape: "array" };
  m = type.match(/^\{ \[key: string\]: (\w+); \}$/);
  if (m && imports.has(m[1])) return { ref: imports.get(m[1]), shape: "map" };
  return { ref: null, shape: "one" };
}

// Unknown fields of `value` under the interface in `dtsFile`, as JSON paths.
function unknownFields(value, dtsFile, where, out) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return out;
  const fields = fs.existsSync(dtsFile) ? interfaceOf(dtsFile) : null;
  if (!fields) return out;
  for (const [key, child] of Object.entries(value)) {
    const field = fields[key];
    if (!field) {
      out.push(`${where}/${key}: unknown field`);
      continue;
    }
    if (!field.ref) continue;
    if (field.shape === "one") unknownFields(child, field.ref, `${where}/${key}`, out);
    if (field.shape === "array" && Array.isArray(child)) {
      child.forEach((item, i) => unknownFields(item, field.ref, `${where}/${key}/${i}`, out));
    }
    if (field.shape === "map" && child && typeof child === "object") {
      for (const [k, v] of Object.entries(child)) unknownFields(v, field.ref, `${where}/${key}/${k}`, out);
    }
  }
  return out;
}

async function validate(paths) {
  let failed = 0;
  let count = 0;
  for (const entry of documents(paths)) {
    count++;
    if (entry.error) {
      console.log(`FAIL ${describe(entry)}: YAML: ${entry.error}`);
      failed++;
      continue;
    }
    const { doc } = entry;
    const rel = doc && typeof doc === "object" ? modelPath(doc.apiVersion, doc.kind) : null;
    if (!rel) {
      console.log(`FAIL ${describe(entry)}: no Kubernetes model for apiVersion ${doc?.apiVersion} kind ${doc?.kind}`);
      failed++;
      continue;
    }
    const module = await import(`kubernetes-models/${rel}`);
    const Model = module[doc.kind];
    const errors = [];
    try {
      new Model(doc).validate();
    } catch (e) {
      const details = (e.errors ?? []).map((x) => `${x.instancePath || "/"} ${x.message}`);
      errors.push(details.length > 0 ? details.join("; ") : e.message);
    }
    errors.push(...unknownFields(doc, path.join(modelsDir, `${rel}.d.ts`), "", []));
    if (errors.length > 0) {
      console.log(`FAIL ${describe(entry)}: ${errors.join("; ")}`);
      failed++;
    } else {
      console.log(`ok ${describe(entry)}: ${doc.apiVersion} ${doc.kind}`);
    }
  }
  console.log(`${count} documents, ${failed} invalid`);
  return failed === 0 && count > 0 ? 0 : 1;
}

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);
function workloads(paths) {
  return documents(paths)
    .filter((e) => e.doc && workloadKinds.has(e.doc.kind))
    .map((e) => ({ ...e, name: e.doc.metadata.name, pod: e.doc.spec.template.spec, labels: e.doc.spec.template.metadata?.labels ?? {} }));
}

// The builders run bubblewrap: these are the only departures from "restricted" they may take.
const builderExceptions = { seccomp: "Unconfined", appArmor: "Unconfined", procMount: "Unmasked", hostUsers: false };

function security(paths) {
  const problems = [];
  for (const w of workloads(paths)) {
    const isBuilder = w.labels["app.kubernetes.io/name"] === "vigil-builder";
    const pod = w.pod;
    const ctx = pod.securityContext ?? {};
    const say = (what) => problems.push(`${w.file}: ${w.doc.kind} ${w.name}: ${what}`);
    if (pod.automountServiceAccountToken !== false) say("automountServiceAccountToken is not false");
    if (ctx.runAsNonRoot !== true) say("pod securityContext.runAsNonRoot is not true");
    if (!(ctx.runAsUser > 0)) say("pod securityContext.runAsUser is not a non-root uid");
    const seccomp = ctx.seccompProfile?.type;
    if (!(seccomp === "RuntimeDefault" || (isBuilder && seccomp === builderExceptions.seccomp))) {
      say(`seccompProfile is ${seccomp ?? "unset"}, not RuntimeDefault`);
    }
    const apparmor = ctx.appArmorProfile?.type;
    if (apparmor !== undefined && !(isBuilder && apparmor === builderExceptions.appArmor)) say(`appArmorProfile ${apparmor}`);
    if (pod.hostUsers !== undefined && !(isBuilder && pod.hostUsers === builderExceptions.hostUsers)) say(`hostUsers ${pod.hostUsers}`);
    if (isBuilder && pod.hostUsers !== false) say("the builder needs hostUsers: false (its sandbox's user namespaces)");
    for (const key of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[key]) say(`${key} is set`);
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const s = c.securityContext ?? {};
      const cs = (what) => say(`container ${c.name}: ${what}`);
      if (s.readOnlyRootFilesystem !== true) cs("readOnlyRootFilesystem is not true");
      if (s.allowPrivilegeEscalation !== false) cs("allowPrivilegeEscalation is not false");
      if (s.privileged) cs("privileged");
      const drop = s.capabilities?.drop ?? [];
      if (!drop.includes("ALL")) cs("capabilities.drop lacks ALL");
      if ((s.capabilities?.add ?? []).length > 0) cs(`adds capabilities ${s.capabilities.add}`);
      if (s.runAsNonRoot === false || s.runAsUser === 0) cs("runs as root");
      if (s.seccompProfile) cs("overrides the pod's seccomp profile");
      if (s.procMount !== undefined && !(isBuilder && s.procMount === builderExceptions.procMount)) cs(`procMount ${s.procMount}`);
    }
  }
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(`${workloads(paths).length} workloads, ${problems.length} problems`);
  return problems.length === 0 ? 0 : 1;
}

function matches(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  if ((selector.matchExpressions ?? []).length > 0) throw new Error("matchExpressions are not supported by this check");
  return true;
}

// Whether a rule's peer list admits a pod of `namespace` with `labels`.
function peersAdmit(peers, namespace, labels, policyNamespace) {
  if (peers === undefined || peers.length === 0) return true;
  return peers.some((peer) => {
    if (peer.ipBlock) return true;
    const nsOk = peer.namespaceSelector
      ? matches(peer.namespaceSelector, { "kubernetes.io/metadata.name": namespace })
      : namespace === policyNamespace;
    return nsOk && (peer.podSelector ? matches(peer.podSelector, labels) : true);
  });
}

function portsAdmit(ports, port) {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? "TCP") === "TCP" && (p.port === undefined || p.port === port));
}

function edges(paths) {
  const docs = documents(paths).map((e) => e.doc).filter(Boolean);
  const policies = docs.filter((d) => d.kind === "NetworkPolicy");
  const pods = workloads(paths)
    .map((w) => ({
      name: w.labels["app.kubernetes.io/name"],
      namespace: w.doc.metadata.namespace,
      labels: w.labels,
      ports: w.pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)),
    }));
  const selecting = (pod, type) =>
    policies.filter(
      (p) => p.metadata.namespace === pod.namespace && matches(p.spec.podSelector, pod.labels) &&
        (p.spec.policyTypes ?? ["Ingress"]).includes(type));
  const lines = new Set();
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      for (const port of to.ports) {
        const egressPolicies = selecting(from, "Egress");
        const egressOk = egressPolicies.length === 0 || egressPolicies.some((p) =>
          (p.spec.egress ?? []).some((r) => peersAdmit(r.to, to.namespace, to.labels, p.metadata.namespace) && portsAdmit(r.ports, port)));
        const ingressPolicies = selecting(to, "Ingress");
        const ingressOk = ingressPolicies.length === 0 || ingressPolicies.some((p) =>
          (p.spec.ingress ?? []).some((r) => peersAdmit(r.from, from.namespace, from.labels, p.metadata.namespace) && portsAdmit(r.ports, port)));
        if (egressOk && ingressOk) lines.add(`${from.name} -> ${to.name}:${port}`);
      }
    }
  }
  for (const line of [...lines].sort()) console.log(line);
  return 0;
}

// The Secrets and ConfigMaps the workloads use that the manifests do not define (the
// operator creates them), one "secret NAME" or "configmap NAME" line each, sorted.
function refs(paths) {
  const docs = documents(paths).map((e) => e.doc).filter(Boolean);
  const defined = new Set(docs.map((d) => `${d.kind === "Secret" ? "secret" : "configmap"} ${d.metadata?.name}`));
  const used = new Set();
  for (const w of workloads(paths)) {
    for (const v of w.pod.volumes ?? []) {
      if (v.secret) used.add(`secret ${v.secret.secretName}`);
      if (v.configMap) used.add(`configmap ${v.configMap.name}`);
    }
    for (const c of [...(w.pod.initContainers ?? []), ...w.pod.containers]) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef) used.add(`secret ${e.valueFrom.secretKeyRef.name}`);
        if (e.valueFrom?.configMapKeyRef) used.add(`configmap ${e.valueFrom.configMapKeyRef.name}`);
      }
    }
  }
  for (const r of [...used].filter((r) => !defined.has(r)).sort()) console.log(r);
  return 0;
}

// The pods a workload runs: a StatefulSet's replicas by ordinal, each with its own address
// on the loopback network; one pod of anything else.
function podsOf(w) {
  if (w.doc.kind !== "StatefulSet") return [{ name: `${w.name}-0`, dir: w.name, ip: "127.0.0.1" }];
  const replicas = w.doc.spec.replicas ?? 1;
  return Array.from({ length: replicas }, (_, i) => ({ name: `${w.name}-${i}`, dir: `${w.name}-${i}`, ip: `127.0.0.${i + 1}` }));
}

function render(out, bin, fixtures, offset, paths) {
  const docs = documents(paths).map((e) => e.doc).filter(Boolean);
  const configMaps = new Map(docs.filter((d) => d.kind === "ConfigMap").map((d) => [d.metadata.name, d.data ?? {}]));
  const services = docs.filter((d) => d.kind === "Service").map((d) => d.metadata.name);
  const containerPorts = new Set(workloads(paths).flatMap((w) => w.pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort))));
  // A StatefulSet pod's DNS name under its governing Service, and that pod's address.
  const podHosts = new Map(workloads(paths).filter((w) => w.doc.kind === "StatefulSet")
    .flatMap((w) => podsOf(w).map((p) => [`${p.name}.${w.doc.spec.serviceName}`, p.ip])));
  const fixture = (kind, name) => {
    const dir = path.join(fixtures, kind, name);
    if (!fs.existsSync(dir)) throw new Error(`no ${kind} ${name} in the manifests or the fixtures`);
    return Object.fromEntries(fs.readdirSync(dir).map((k) => [k, fs.readFileSync(path.join(dir, k))]));
  };
  for (const w of workloads(paths)) for (const podInfo of podsOf(w)) {
    const root = path.join(out, podInfo.dir);
    const pod = w.pod;
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    const templates = new Set((w.doc.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name));
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const mounts = c.volumeMounts ?? [];
      // Mount points, and the directories that subPath mounts put a file or directory in
      // (a path the container names, such as a directory assembled from several volumes).
      const mountPaths = [...new Set(mounts.flatMap((m) =>
        m.subPath !== undefined || m.subPathExpr !== undefined ? [m.mountPath, path.posix.dirname(m.mountPath)] : [m.mountPath]))]
        .sort((a, b) => b.length - a.length);
      const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const mountRe = mountPaths.length ? new RegExp(`(${mountPaths.map(escape).join("|")})(?=$|[/"'\\s])`, "g") : null;
      const portRe = new RegExp(`(?<=:|listen_port = )(${[...containerPorts].join("|")})\\b`, "g");
      const serviceRe = new RegExp(`(?<=tcp:)(${services.map(escape).join("|")})(?=:)`, "g");
      const podHostRe = podHosts.size ? new RegExp(`(?<=tcp:)(${[...podHosts.keys()].map(escape).join("|")})(?=:)`, "g") : null;
      const rewrite = (text) => {
        // Mount paths first: the binaries' directory (BIN, e.g. under /tmp) must not be
        // taken for a mount point such as an emptyDir on /tmp.
        let t = mountRe ? text.replace(mountRe, (m) => root + m) : text;
        t = t.replace(/\/usr\/local\/bin\//g, `${bin}/`).replace(/0\.0\.0\.0|127\.0\.0\.1/g, podInfo.ip);
        if (podHostRe) t = t.replace(podHostRe, (h) => podHosts.get(h));
        return t.replace(serviceRe, "127.0.0.1").replace(portRe, (p) => String(Number(p) + offset));
      };
      const env = {};
      for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.configMapKeyRef) {
          const ref = e.valueFrom.configMapKeyRef;
          env[e.name] = String((configMaps.get(ref.name) ?? fixture("configmaps", ref.name))[ref.key]);
        } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = podInfo.name;
      }
      const expand = (s) => s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name) => (name in env ? env[name] : all));
      for (const m of mounts) {
        const target = path.join(root, m.mountPath);
        const v = volumes.get(m.name);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const subPath = m.subPath ?? (m.subPathExpr !== undefined ? expand(m.subPathExpr) : undefined);
        // A persistent volume: its directory (or its subPath's) under OUT/pvc/.
        const claim = !v && templates.has(m.name) ? `${m.name}-${podInfo.name}` : v?.persistentVolumeClaim?.claimName;
        if (claim !== undefined) {
          fs.rmSync(target, { recursive: true, force: true });
          const dir = path.join(out, "pvc", claim, subPath ?? "");
          fs.mkdirSync(dir, { recursive: true });
          fs.symlinkSync(dir, target);
          continue;
        }
        if (!v) throw new Error(`${w.name}: container ${c.name} mounts an undefined volume ${m.name}`);
        if (v.emptyDir) {
          fs.mkdirSync(target, { recursive: true });
        } else if (v.configMap || v.secret) {
          const source = v.configMap
            ? Object.fromEntries(Object.entries(configMaps.get(v.configMap.name) ?? fixture("configmaps", v.configMap.name))
                .map(([k, val]) => [k, Buffer.from(rewrite(String(val)))]))
            : fixture("secrets", v.secret.secretName);
          const spec = v.configMap ?? v.secret;
          const mode = spec.defaultMode ?? 0o644;
          const items = spec.items ?? Object.keys(source).map((key) => ({ key, path: key }));
          const files = new Map(items.map((it) => {
            if (!(it.key in source)) throw new Error(`${w.name}: ${it.key} is not in ${spec.name ?? spec.secretName}`);
            return [it.path, { bytes: source[it.key], mode: it.mode ?? mode }];
          }));
          const write = (file, { bytes, mode: m2 }) => {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, bytes);
            fs.chmodSync(file, m2);
          };
          if (subPath !== undefined) {
            if (!files.has(subPath)) throw new Error(`${w.name}: subPath ${subPath} is not in volume ${m.name}`);
            write(target, files.get(subPath));
          } else {
            // As the kubelet writes them: the files in a timestamped directory, ..data a
            // symlink to it, and each top-level name a symlink through ..data.
            const stamp = "..2026_01_01_00_00_00.000000000";
            for (const [p, f] of files) write(path.join(target, stamp, p), f);
            fs.symlinkSync(stamp, path.join(target, "..data"));
            for (const top of new Set([...files.keys()].map((p) => p.split("/")[0]))) {
              fs.symlinkSync(path.join("..data", top), path.join(target, top));
            }
          }
        } else {
          throw new Error(`${w.name}: volume ${m.name} is of a kind this check does not lay out`);
        }
      }
      const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => rewrite(expand(a)));
      fs.writeFileSync(path.join(root, `${c.name}.argv`), argv.join("\0"));
      const probe = c.readinessProbe;
      if (probe?.exec) fs.writeFileSync(path.join(root, `${c.name}.probe`), ["exec", ...probe.exec.command.map(rewrite)].join("\0"));
      const named = (port) => (typeof port === "number" ? port : (c.ports ?? []).find((p) => p.name === port)?.containerPort);
      if (probe?.httpGet) fs.writeFileSync(path.join(root, `${c.name}.probe`), ["http", podInfo.ip, String(named(probe.httpGet.port) + offset), probe.httpGet.path].join("\0"));
      if (probe?.tcpSocket) fs.writeFileSync(path.join(root, `${c.name}.probe`), ["tcp", podInfo.ip, String(named(probe.tcpSocket.port) + offset)].join("\0"));
    }
    fs.writeFileSync(path.join(root, "kind"), w.doc.kind);
  }
  return 0;
}

const [mode, ...rest] = process.argv.slice(2);
let code = 2;
try {
  if (mode === "validate" && rest.length > 0) code = await validate(rest);
  else if (mode === "security" && rest.length > 0) code = security(rest);
  else if (mode === "edges" && rest.length > 0) code = edges(rest);
  else if (mode === "refs" && rest.length > 0) code = refs(rest);
  else if (mode === "render" && rest.length > 4) code = render(rest[0], rest[1], rest[2], Number(rest[3]), rest.slice(4));
  else console.error(`usage: node ${path.relative(process.cwd(), path.join(here, "check.mjs"))} validate|security|edges|refs PATH... | render OUT BIN FIXTURES PORT_OFFSET PATH...`);
} catch (e) {
  console.error(`check.mjs: ${e.message}`);
  code = 1;
}
process.exit(code);
