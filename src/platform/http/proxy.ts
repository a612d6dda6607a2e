// Proxy selection from an explicit environment record (never process.env), with the common
// curl / Python-requests semantics:
// - `https://` targets use https_proxy / HTTPS_PROXY, `http://` targets use http_proxy / HTTP_PROXY;
//   the lower-case name wins when both are set; an empty value means "unset". No cross-scheme fallback.
// - NO_PROXY / no_proxy: entries separated by commas or whitespace. `*` bypasses every host.
//   `example.com`, `.example.com` and `*.example.com` all match example.com and its subdomains.
//   `host:port` matches only that port. IP literals match exactly; CIDR blocks (`10.0.0.0/8`,
//   `fd00::/8`) match addresses inside them (the target must be an IP literal; no DNS lookups).
// - Loopback is NOT special: `localhost` / `127.0.0.1` / `::1` go through the proxy unless NO_PROXY
//   lists them (same as curl and Python; Go's net/http differs and always bypasses localhost).

import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

interface NoProxyEntry {
  readonly host: string;
  readonly port: number | null;
}

export interface ProxySettings {
  readonly httpProxy: URL | null;
  readonly httpsProxy: URL | null;
  readonly bypassAll: boolean;
  readonly entries: readonly NoProxyEntry[];
  readonly cidrs: BlockList;
  readonly hasCidrs: boolean;
}

const firstSet = (env: Env, names: readonly string[]): { name: string; value: string } | null => {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { name, value: value.trim() };
  }
  return null;
};

const parseProxyUrl = (name: string, raw: string): URL => {
  // `proxy.corp:3128` without a scheme is common; treat it as http:// like curl does.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url;
  } catch {
    throw new ConfigError([
      {
        severity: 'error',
        code: 'invalid-proxy',
        message: `${name} is not a usable proxy URL (expected http://host:port or https://host:port)`,
        path: '',
        position: null,
      },
    ]);
  }
};

const stripBrackets = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

export const proxySettingsFromEnv = (env: Env): ProxySettings => {
  const http = firstSet(env, ['http_proxy', 'HTTP_PROXY']);
  const https = firstSet(env, ['https_proxy', 'HTTPS_PROXY']);
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY'])?.value ?? '';
  const entries: NoProxyEntry[] = [];
  const cidrs = new BlockList();
  let hasCidrs = false;
  let bypassAll = false;
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') {
      bypassAll = true;
      continue;
    }
    const cidr = /^\[?([0-9a-f:.]+)\]?\/(\d{1,3})$/.exec(entry);
    if (cidr && isIP(cidr[1] ?? '')) {
      const address = cidr[1] as string;
      cidrs.addSubnet(address, Number(cidr[2]), isIP(address) === 6 ? 'ipv6' : 'ipv4');
      hasCidrs = true;
      continue;
    }
    // host:port, [v6]:port, bare v6 (has several colons, no port), or host
    let host = entry;
    let port: number | null = null;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      host = bracketed[1] as string;
      port = bracketed[2] ? Number(bracketed[2]) : null;
    } else if (!isIP(entry)) {
      const hostPort = /^(.+):(\d+)$/.exec(entry);
      if (hostPort) {
        host = hostPort[1] as string;
        port = Number(hostPort[2]);
      }
    }
    entries.push({ host: host.replace(/^\*?\./, ''), port });
  }
  return {
    httpProxy: http ? parseProxyUrl(http.name, http.value) : null,
    httpsProxy: https ? parseProxyUrl(https.name, https.value) : null,
    bypassAll,
    entries,
    cidrs,
    hasCidrs,
  };
};

const defaultPort = (url: URL): number => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

/** True when NO_PROXY says this target must be reached directly. */
export const bypassesProxy = (target: URL, settings: ProxySettings): boolean => {
  if (settings.bypassAll) return true;
  const host = stripBrackets(target.hostname.toLowerCase());
  const port = defaultPort(target);
  for (const entry of settings.entries) {
    if (entry.port !== null && entry.port !== port) continue;
    if (host === entry.host || host.endsWith(`.${entry.host}`)) return true;
  }
  if (settings.hasCidrs) {
    const family = isIP(host);
    if (family !== 0 && settings.cidrs.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
  }
  return false;
};

/** The proxy to use for this target, or null for a direct connection. */
export const proxyFor = (target: URL, settings: ProxySettings): URL | null => {
  const proxy = target.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (!proxy) return null;
  return bypassesProxy(target, settings) ? null : proxy;
};
