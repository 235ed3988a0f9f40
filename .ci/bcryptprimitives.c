/*
 * A stand-in bcryptprimitives.dll for Wine 8, used only by .ci/windows-wine.sh.
 *
 * Go >= 1.22 programs on Windows get their random bytes from ProcessPrng in
 * bcryptprimitives.dll, which Wine 8 does not have, so no Go program starts
 * there. ProcessPrng fills a buffer with random bytes and always succeeds;
 * advapi32's SystemFunction036 (RtlGenRandom) does the same for up to
 * 4 GiB - 1 bytes at a time, so this forwards to it in chunks.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *          bcryptprimitives.c bcryptprimitives.def -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	while (size > 0) {
		ULONG n = size > 0x7fffffff ? 0x7fffffff : (ULONG)size;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}
