/**
 * Baseline 1: a raw node:http server that drains the body and answers a fixed reply XML.
 * The ceiling of what this machine's HTTP stack does; nothing is parsed or stored.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXED_REPLY =
  '<xml><ToUserName><![CDATA[o_fan]]></ToUserName><FromUserName><![CDATA[gh_fanhook_bench]]></FromUserName>' +
  '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(FIXED_REPLY);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
