import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/api/sse';

describe('SSE parser', () => {
  it('parses id, event and data, across chunk boundaries', () => {
    const p = new SseParser();
    expect(p.push('id: 41\nevent: alert\nda')).toEqual([]);
    expect(p.push('ta: {"a":1}\n\n: keep-alive\n\nid: 42\r\nevent: status\r\ndata: x\r')).toEqual([
      { id: '41', event: 'alert', data: '{"a":1}' },
    ]);
    expect(p.push('\n\r\n')).toEqual([{ id: '42', event: 'status', data: 'x' }]);
  });
  it('joins multi-line data and defaults the event name', () => {
    const p = new SseParser();
    expect(p.push('data: a\ndata: b\n\n')).toEqual([{ event: 'message', data: 'a\nb' }]);
  });
});
