// The rig's demo node app (tests/rig/apps/node-app): answers every request with
// the value of GREETING from its environment (.env, through ctgate-app.service)
// and a counter kept in redis (REDIS_URL), spoken in RESP over a plain socket:
// Node's standard library only, since containers have no npm registry.
'use strict';
const http = require('http');
const net = require('net');
const fs = require('fs');

const port = Number(process.env.PORT || 3000);
const version = fs.existsSync('build/version.txt') ? fs.readFileSync('build/version.txt', 'utf8').trim() : 'unbuilt';

function redisCommand(url, args) {
    return new Promise((resolve, reject) => {
        const u = new URL(url);
        const sock = net.connect(Number(u.port || 6379), u.hostname || 'localhost');
        const cmds = [];
        if (u.password) cmds.push(['AUTH', decodeURIComponent(u.password)]);
        cmds.push(args);
        let data = '';
        sock.setTimeout(3000, () => { sock.destroy(); reject(new Error('redis timeout')); });
        sock.on('error', reject);
        sock.on('data', (d) => {
            data += d.toString();
            const replies = data.split('\r\n').filter((l) => l.length > 0);
            if (replies.length >= cmds.length) {
                sock.end();
                const last = replies[replies.length - 1];
                if (last.startsWith('-')) reject(new Error(last)); else resolve(last.replace(/^[:+]/, ''));
            }
        });
        for (const c of cmds) {
            sock.write(`*${c.length}\r\n` + c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
        }
    });
}

http.createServer(async (req, res) => {
    let redis = 'none';
    if (process.env.REDIS_URL) {
        try { redis = 'hits ' + await redisCommand(process.env.REDIS_URL, ['INCR', 'hits']); }
        catch (e) { redis = 'error ' + e.message; }
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`app=node version=${version}\ngreeting=${process.env.GREETING || ''}\nredis=${redis}\n`);
}).listen(port, () => console.log(`node app listening on ${port}`));
