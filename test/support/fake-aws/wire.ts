import * as http from 'http';
import { toXml } from '../xml';

/** How the fake writes answers and errors in each wire protocol. */

export function xml(res: http.ServerResponse, operation: string, body: unknown, xmlns: string): void {
  res.setHeader('content-type', 'text/xml');
  res.end(
    `<${operation}Response xmlns="${xmlns}"><${operation}Result>${toXml(body)}</${operation}Result>` +
      `<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></${operation}Response>`
  );
}

export function json(res: http.ServerResponse, body: unknown): void {
  res.setHeader('content-type', 'application/x-amz-json-1.1');
  res.end(JSON.stringify(body));
}

export function jsonError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/x-amz-json-1.1');
  res.setHeader('x-amzn-errortype', type);
  res.end(JSON.stringify({ __type: type, message }));
}

export function xmlError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/xml');
  res.end(
    `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r1</RequestId></ErrorResponse>`
  );
}
