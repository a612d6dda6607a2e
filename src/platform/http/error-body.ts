// Decodes an error answer into (errorCode, message) from whatever shape the server used.
// Branching is always on the body's code, never on the status alone: OSS MLflow sends
// RESOURCE_ALREADY_EXISTS as 400 while the Databricks SDK treats it as a 409-class error.

export interface DecodedError {
  /** e.g. `RESOURCE_DOES_NOT_EXIST`, or an OAuth code such as `invalid_client`; null if the body has none. */
  readonly errorCode: string | null;
  /** Human text from the body; empty when the body said nothing useful. */
  readonly message: string;
}

const MAX_TEXT = 500;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** A short code, not a sentence: `INVALID_STATE`, `invalid_grant`, `Unauthorized`. */
const looksLikeCode = (s: string): boolean => /^[A-Za-z][A-Za-z0-9_.-]{1,80}$/.test(s);

const squeeze = (text: string): string => {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_TEXT ? `${oneLine.slice(0, MAX_TEXT)}…` : oneLine;
};

const fromJson = (body: Record<string, unknown>): DecodedError | null => {
  // Databricks / MLflow: {"error_code": "...", "message": "...", "details": [...]}
  const errorCode = str(body['error_code']);
  if (errorCode) {
    return { errorCode, message: str(body['message']) ?? str(body['error_description']) ?? '' };
  }
  // Databricks OAuth variant: {"errorCode": "...", "errorSummary": "..."}
  const camelCode = str(body['errorCode']);
  if (camelCode) {
    return { errorCode: camelCode, message: str(body['errorSummary']) ?? str(body['message']) ?? '' };
  }
  const error = body['error'];
  // OAuth (RFC 6749 §5.2): {"error": "invalid_client", "error_description": "..."}
  // Legacy Databricks: {"error": "free text"}
  const errorText = str(error);
  if (errorText) {
    const description = str(body['error_description']) ?? str(body['message']);
    if (looksLikeCode(errorText)) return { errorCode: errorText, message: description ?? '' };
    return { errorCode: null, message: description ? `${errorText}: ${description}` : errorText };
  }
  // Nested {"error": {"code": "...", "message": "..."}}
  if (error && typeof error === 'object') {
    const nested = error as Record<string, unknown>;
    const code = str(nested['code']) ?? str(nested['error_code']);
    return { errorCode: code, message: str(nested['message']) ?? '' };
  }
  // SCIM: {"detail": "...", "status": "404", "scimType": "..."}
  const detail = str(body['detail']);
  if (detail) return { errorCode: str(body['scimType']), message: detail };
  const message = str(body['message']);
  if (message) return { errorCode: null, message };
  return null;
};

export const decodeErrorBody = (bodyText: string): DecodedError => {
  const trimmed = bodyText.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const decoded = fromJson(parsed as Record<string, unknown>);
        if (decoded) return { errorCode: decoded.errorCode, message: squeeze(decoded.message) };
      }
    } catch {
      // not JSON after all: treated as text below
    }
  }
  // Plain text (MLflow basic-auth 401/403), HTML error pages from gateways, or nothing.
  const looksLikeHtml = /^<(!doctype|html)/i.test(trimmed);
  return { errorCode: null, message: looksLikeHtml ? '(HTML error page)' : squeeze(trimmed) };
};
