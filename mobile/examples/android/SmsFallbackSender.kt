// The SMS fallback on Android: SmsSender (SosTrigger.kt) with SmsManager.
// Android-only sketch (not compiled here), like SosWidget.kt.
//
// Wiring: the app declares <uses-permission android:name="android.permission.SEND_SMS" />
// and asks for it at enrollment (a runtime permission). In the listener of
// SosTrigger.observe:
//
//     is CoreEvent.SmsFallback -> Auxilio.scope.launch {
//         if (!trigger.sendSmsFallback(event, AndroidSmsSender(context))) {
//             // Not sent: show an sms:<to>?body=<text> link for the person.
//         }
//     }
//
// smsFallbackSent is called only after the sent broadcast reported
// RESULT_OK. Neither the number nor the text is logged.
package pe.elporvenir.auxilio.examples

import android.Manifest
import android.app.Activity
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.content.pm.PackageManager
import android.os.Build
import android.telephony.SmsManager
import androidx.core.content.ContextCompat
import java.util.UUID
import kotlin.coroutines.resume
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull

class AndroidSmsSender(private val context: Context) : SmsSender {
    override suspend fun send(to: String, text: String): Boolean {
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.SEND_SMS)
            != PackageManager.PERMISSION_GRANTED
        ) return false
        val manager: SmsManager = (
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
                context.getSystemService(SmsManager::class.java)
            } else {
                @Suppress("DEPRECATION")
                SmsManager.getDefault()
            }
        ) ?: return false
        // Core's text is one 157-character GSM-7 SMS; anything longer is refused.
        if (manager.divideMessage(text).size != 1) return false

        // Each send listens for its own action, so two reports never cross.
        val action = "${context.packageName}.SMS_SENT.${UUID.randomUUID()}"
        return withTimeoutOrNull(60_000L) {
            suspendCancellableCoroutine { cont ->
                val receiver = object : BroadcastReceiver() {
                    override fun onReceive(c: Context, intent: Intent) {
                        runCatching { context.unregisterReceiver(this) }
                        if (cont.isActive) cont.resume(resultCode == Activity.RESULT_OK)
                    }
                }
                ContextCompat.registerReceiver(
                    context, receiver, IntentFilter(action), ContextCompat.RECEIVER_NOT_EXPORTED
                )
                cont.invokeOnCancellation { runCatching { context.unregisterReceiver(receiver) } }
                val sent = PendingIntent.getBroadcast(
                    context, 0, Intent(action).setPackage(context.packageName),
                    PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_ONE_SHOT
                )
                try {
                    manager.sendTextMessage(to, null, text, sent, null)
                } catch (e: Exception) {
                    runCatching { context.unregisterReceiver(receiver) }
                    if (cont.isActive) cont.resume(false)
                }
            }
        } ?: false
    }
}
