// Hookline's TypeScript client. `schema.ts` is generated from openapi.yaml by
// openapi-typescript (every path, parameter and model, typed) and `openapi-fetch` makes the
// calls; this module adds only what they leave to their user: a client made from a base URL
// and a key (and the tenant an operator key acts for), answers unwrapped or thrown as a typed
// problem, every page of a list, and a publish retried safely under one Idempotency-Key.

import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type PingFailed = Schemas["PingFailed"];
export type HooklineClient = Client<paths>;

export const TENANT_HEADER = "Hookline-Tenant";

/** A publish answered with one of these is sent again (same key, so delivered once). */
const RETRIED_PROBLEMS = new Set(["idempotency_key_in_use", "rate_limited", "internal_error"]);

export interface HooklineOptions {
  baseUrl: string;
  key: string;
  /** The tenant an operator key acts for, on every tenant route. */
  tenant?: string;
}

/** A client of the API at `baseUrl` with `key`. */
export function createHookline({ baseUrl, key, tenant }: HooklineOptions): HooklineClient {
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
  if (tenant) headers[TENANT_HEADER] = tenant;
  return createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ""), headers });
}

/**
 * A problem answer (RFC 9457), typed. `type` is its code, an open set: a code this version
 * does not know is still a `HooklineError`, to be judged by `status`. A failed ping's problem
 * is a `PingFailed`, with the attempt as `problem.execution`.
 */
export class HooklineError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | PingFailed,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${status} ${problem.type}: ${problem.detail}`);
    this.name = "HooklineError";
  }

  get type(): string {
    return this.problem.type;
  }
}

/** What an openapi-fetch call resolves to. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body (`undefined` for a 204), or a `HooklineError` for a problem. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    // Something in between (a gateway's 502, or its own 429) may answer without a problem.
    const isProblem = typeof (error as { type?: unknown } | undefined)?.type === "string";
    const problem: Problem = isProblem
      ? (error as Problem)
      : {
          type: "unknown",
          title: response.statusText,
          status: response.status,
          detail: "the answer was not a problem document",
        };
    throw new HooklineError(response.status, problem, retryAfter(response));
  }
  return data as T;
}

/** Every item of a list, page after page: `page` fetches the page after `cursor`. */
export async function* each<T>(
  page: (cursor: string | undefined) => Promise<{ data: T[]; next_cursor?: string | null }>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  for (;;) {
    const { data, next_cursor } = await page(cursor);
    yield* data;
    if (!next_cursor) return;
    cursor = next_cursor;
  }
}

export interface PublishOptions {
  /** A new one when not given; the same on every attempt. */
  idempotencyKey?: string;
  attempts?: number;
  backoffMs?: number;
}

/**
 * Publishes an event, sending it again after a network error, a 5xx, `rate_limited` (after
 * its `Retry-After`) or `idempotency_key_in_use`, always under the same Idempotency-Key, so
 * it is stored and delivered once.
 */
export async function publish(
  client: HooklineClient,
  eventType: string,
  data: Schemas["EventData"],
  { idempotencyKey = crypto.randomUUID(), attempts = 5, backoffMs = 500 }: PublishOptions = {},
) {
  for (let attempt = 1; ; attempt++) {
    let waitMs = backoffMs * 2 ** (attempt - 1);
    try {
      return await unwrap(
        client.POST("/v1/events", {
          params: { header: { "Idempotency-Key": idempotencyKey } },
          body: { event_type: eventType, data },
        }),
      );
    } catch (error) {
      if (attempt >= attempts) throw error;
      if (error instanceof HooklineError) {
        const retried = RETRIED_PROBLEMS.has(error.type) || error.status === 429 || error.status >= 500;
        if (!retried) throw error;
        if (error.retryAfterSeconds !== undefined) waitMs = error.retryAfterSeconds * 1000;
      } else if (!(error instanceof TypeError)) {
        // fetch rejects with a TypeError when the network fails; anything else is a bug.
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

function retryAfter(response: Response): number | undefined {
  const value = response.headers.get("retry-after") ?? "";
  return /^\d+$/.test(value) ? Number(value) : undefined;
}
