"""Forward TCP ports from the podman bridge's gateway address to 127.0.0.1.

`sam local invoke` runs a function in a container on podman's bridge network; the local cloud
listens on 127.0.0.1 only, which a container cannot reach (SAM's `--docker-network host` does not
give the container the host's network with podman's Docker API). This forwarder listens on the
bridge's gateway address (e.g. 10.88.0.1, an address of the host that only containers on that
bridge reach) and relays each connection to the same port on 127.0.0.1. The bridge interface only
exists while a container runs, so the sockets bind with IP_FREEBIND.

    python host-forward.py GATEWAY_IP PORT [PORT ...]
"""

import asyncio
import socket
import sys

IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def relay_to(port: int):
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))

    return handle


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def main(host: str, ports: list[int]) -> None:
    servers = [await asyncio.start_server(relay_to(p), sock=listening_socket(host, p)) for p in ports]
    print(f"forwarding {host}:{{{','.join(map(str, ports))}}} -> 127.0.0.1", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sorted({int(p) for p in sys.argv[2:]})))
