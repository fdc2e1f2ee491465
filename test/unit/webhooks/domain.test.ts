// The pure rules of outbound webhooks: filters (Ring's exact messages), URL guard, error categories.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVENT_KINDS, blockedAddressReason, errorCategory, filterProblem, subscribesTo, urlProblem, validateWebhookInput,
} from '../../../src/domain/webhooks.js';

const strict = { allowLoopback: false };
const loose = { allowLoopback: true };

describe('subscription filters', () => {
  it('accepts *, deployment.* and every known kind', () => {
    for (const f of ['*', 'deployment.*', ...EVENT_KINDS]) assert.equal(filterProblem(f), null, f);
  });

  it("rejects malformed entries with Ring's messages", () => {
    assert.equal(filterProblem('deployment*'), "invalid wildcard 'deployment*' — use '*' for all kinds or '<family>.*' (e.g. 'deployment.*')");
    assert.equal(filterProblem('deployement.*'), "unknown event family 'deployement.*' (known families: deployment)");
    assert.equal(filterProblem('bogus.kind'), `unknown event kind 'bogus.kind' (known: ${EVENT_KINDS.join(', ')})`);
    assert.equal(filterProblem('deployment'), `unknown event kind 'deployment' (known: ${EVENT_KINDS.join(', ')})`);
  });

  it('matches exact kinds, the family wildcard and *; empty means everything', () => {
    assert.ok(subscribesTo([], 'deployment.scaled'));
    assert.ok(subscribesTo(['*'], 'deployment.error'));
    assert.ok(subscribesTo(['deployment.*'], 'deployment.error'));
    assert.ok(!subscribesTo(['deployment.*'], 'deploymentx.error'));
    assert.ok(subscribesTo(['deployment.scaled'], 'deployment.scaled'));
    assert.ok(!subscribesTo(['deployment.scaled'], 'deployment.error'));
  });

  it('reports every bad filter and the URL at once, with indexed paths', () => {
    const v = validateWebhookInput({ url: 'ftp://x', events: ['*', 'deployment*', 'nope'] }, strict);
    assert.deepEqual(v.map((x) => `${x.property_path} ${x.code}`), [
      'url webhook.url.format', 'events[1] webhook.events.unknown', 'events[2] webhook.events.unknown',
    ]);
  });
});

describe('subscriber URL guard', () => {
  it('allows public and private (RFC 1918 / ULA) targets', () => {
    for (const u of ['https://hooks.example.com/ring', 'http://10.0.0.5/h', 'http://172.17.0.1:8080/h', 'http://192.168.1.10/h',
      'http://[fc00::1]/h', 'https://93.184.216.34/hook']) {
      assert.equal(urlProblem(u, strict), null, u);
    }
  });

  it('refuses what is not an http(s) URL with a host', () => {
    assert.equal(urlProblem('not a url', strict), 'must be a valid http or https URL');
    assert.equal(urlProblem('ftp://example.com/', strict), 'must be an http or https URL');
    assert.equal(urlProblem('file:///etc/passwd', strict), 'must be an http or https URL');
  });

  it('refuses loopback, link-local and unspecified targets in every spelling', () => {
    for (const u of [
      'http://localhost/h', 'http://LOCALHOST./h', 'http://api.localhost/h', 'http://127.0.0.1/h', 'http://127.1/h',
      'http://0x7f.0.0.1/h', 'http://2130706433/h', 'http://[::1]/h', 'http://[0:0:0:0:0:0:0:1]/h',
      'http://[::ffff:127.0.0.1]/h', 'http://[::ffff:7f00:1]/h', 'http://[::127.0.0.1]/h', 'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:169.254.169.254]/h', 'http://[fe80::1]/h', 'http://[febf::1]/h', 'http://0.0.0.0/h', 'http://0/h', 'http://[::]/h',
    ]) {
      assert.match(urlProblem(u, strict) ?? '', /must not target/, u);
    }
    assert.equal(urlProblem('http://127.0.0.1/h', strict), 'URL must not target an internal address (127.0.0.1: loopback address)');
    assert.equal(urlProblem('http://localhost/h', strict), 'URL must not target localhost');
  });

  it('allow_loopback opens loopback only, never link-local or unspecified', () => {
    for (const u of ['http://localhost:9/h', 'http://127.0.0.1:9/h', 'http://[::1]:9/h', 'http://[::ffff:127.0.0.1]/h']) {
      assert.equal(urlProblem(u, loose), null, u);
    }
    for (const u of ['http://169.254.169.254/', 'http://[fe80::1]/', 'http://0.0.0.0/']) assert.notEqual(urlProblem(u, loose), null, u);
  });

  it('judges resolved addresses the same way (the delivery-time check)', () => {
    assert.equal(blockedAddressReason('::ffff:127.0.0.1', strict), 'loopback address');
    assert.equal(blockedAddressReason('::1', strict), 'loopback address');
    assert.equal(blockedAddressReason('10.1.2.3', strict), null);
    assert.equal(blockedAddressReason('2001:db8::1', strict), null);
    assert.equal(blockedAddressReason('fe80::1%eth0', strict), 'link-local address');
  });
});

describe('deployment.error categories', () => {
  it("classifies Ring's runtime reasons and ignores the rest", () => {
    assert.deepEqual(errorCategory('image_pull_back_off'), { reason: 'image_pull_back_off', category: 'user' });
    assert.deepEqual(errorCategory('config_error'), { reason: 'config_error', category: 'user' });
    assert.deepEqual(errorCategory('insufficient_resources'), { reason: 'insufficient_resources', category: 'host' });
    for (const r of ['instance_creation_failed', 'network_creation_failed', 'file_system_error', 'port_allocation_failed',
      'vm_start_failed', 'firmware_not_found', 'stats_fetch_failed', 'runtime_error']) {
      assert.deepEqual(errorCategory(r), { reason: r, category: 'transient' });
    }
    for (const r of ['health_check_alert', 'scale_up', 'state_transition', 'container_crashed', 'constructor', 'toString']) {
      assert.equal(errorCategory(r), null, r);
    }
  });

  it("maps Cloud Hypervisor's PascalCase reasons too (Ring drops them)", () => {
    assert.deepEqual(errorCategory('FirmwareNotFound'), { reason: 'firmware_not_found', category: 'transient' });
    assert.deepEqual(errorCategory('ImageNotFound'), { reason: 'image_pull_back_off', category: 'user' });
  });
});
