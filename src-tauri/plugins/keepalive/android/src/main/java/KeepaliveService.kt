// The foreground service (type location) that keeps Auxilio's process and
// its location updates alive while an SOS is open or a unit is on duty.
// It does no work itself: the app's Rust side keeps measuring and sending;
// this only tells Android that the user knows, with a notification that
// stays until the shell stops the service.

package pe.gob.munielporvenir.auxilio.keepalive

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.app.Service
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import androidx.core.app.NotificationCompat

class KeepaliveService : Service() {

    companion object {
        const val EXTRA_TITLE = "pe.gob.munielporvenir.auxilio.keepalive.TITLE"
        const val EXTRA_TEXT = "pe.gob.munielporvenir.auxilio.keepalive.TEXT"
        private const val CHANNEL_ID = "auxilio_keepalive"
        private const val NOTIFICATION_ID = 0x5A05
    }

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val title = intent?.getStringExtra(EXTRA_TITLE) ?: "Auxilio"
        val text = intent?.getStringExtra(EXTRA_TEXT) ?: ""
        val notification = buildNotification(title, text)
        try {
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
                startForeground(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION)
            } else {
                startForeground(NOTIFICATION_ID, notification)
            }
        } catch (e: Exception) {
            // Not allowed now (no location permission, started from the
            // background): end rather than crash the app.
            stopSelf()
            return START_NOT_STICKY
        }
        // If Android kills the process anyway, the app's Rust side is gone
        // too: a restarted empty service would only show a false notice.
        return START_NOT_STICKY
    }

    private fun buildNotification(title: String, text: String): Notification {
        val manager = getSystemService(NOTIFICATION_SERVICE) as NotificationManager
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
            val channel = NotificationChannel(
                CHANNEL_ID,
                "Auxilio en curso",
                NotificationManager.IMPORTANCE_LOW,
            )
            channel.description = "Alerta activa o unidad en servicio"
            manager.createNotificationChannel(channel)
        }
        // Touching the notification brings the app back.
        val launch = packageManager.getLaunchIntentForPackage(packageName)
        val open = launch?.let {
            PendingIntent.getActivity(this, 0, it, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)
        }
        return NotificationCompat.Builder(this, CHANNEL_ID)
            .setContentTitle(title)
            .setContentText(text)
            .setSmallIcon(applicationInfo.icon)
            .setOngoing(true)
            .setOnlyAlertOnce(true)
            .setCategory(NotificationCompat.CATEGORY_SERVICE)
            .setForegroundServiceBehavior(NotificationCompat.FOREGROUND_SERVICE_IMMEDIATE)
            .setContentIntent(open)
            .build()
    }
}
